package landscape.extract.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;

/**
 * Turns checkpoint tensors into NDArrays of the compute dtype on the compute device, one tensor at a time.
 * <ul>
 *   <li>With {@code zeroCopy} (resident weights on the CPU), a tensor stored in the compute dtype is wrapped without a
 *       copy: the NDArray points at the memory-mapped file pages, so the process holds those weights once.</li>
 *   <li>Everything else is read with positional reads (nothing mapped) in chunks of at most {@link #chunkBytes}
 *       (64 MB), converted on the CPU and copied into a tensor allocated on the target device. BF16 is converted in
 *       Java, because BFLOAT16 NDArrays abort the JVM with DJL 0.36 / PyTorch 2.7.1: to f32 exactly (the 16 bits
 *       shifted left by 16 are the f32 bits), to f16 through a table of all 65536 patterns that PyTorch itself
 *       computed from their f32 values (so the f16 weights are the ones PyTorch's f32-to-f16 conversion gives, without
 *       an f32 copy). F16 to f32 and F32 to f16 are converted by PyTorch. What Java converts, and what needs no
 *       conversion, is read and converted by all cores at once (the chunk in parts of {@link #partElements}), and on
 *       the CPU straight into the tensor's memory; a GPU tensor gets it through one reusable staging buffer. The host
 *       never holds more than one chunk of a tensor that goes to a GPU, nor a second copy of one that stays on the
 *       CPU, and the file's pages never count in the process's resident memory (they stay in the page cache).</li>
 * </ul>
 * An optional LoRA adapter is merged into the targeted projection weights as they load. A loader keeps its buffers
 * between tensors and is used by one thread at a time.
 */
public final class WeightLoader {
    static int chunkBytes = 64 << 20;
    /** Elements of a chunk that one thread reads and converts (a chunk is split among the cores in such parts). */
    static int partElements = 1 << 18;
    /** bfloat16 bits to float16 bits as PyTorch converts their float32 values ({@link #bf16ToF16}). */
    private static volatile short[] bf16ToF16;
    /** Tensors above this many bytes are never wrapped from one mapping (a single mapping is limited to 2 GB). */
    static long maxSingleMapping = Integer.MAX_VALUE;

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType computeType;
    private final Device device;
    private final LoraAdapter adapter;
    private final boolean zeroCopy;
    private final Buffers buffers;

    /** The reusable read and decode buffers (direct memory is only returned by the garbage collector). */
    private static final class Buffers {
        ByteBuffer raw;
        ByteBuffer staging;
    }

    /**
     * Loads into {@code manager} (and its device). {@code zeroCopy}: wrap mapped pages where the stored dtype is the
     * compute dtype and the device is the CPU (for weights that stay resident for the whole run).
     */
    public WeightLoader(Checkpoint checkpoint, NDManager manager, DataType computeType, LoraAdapter adapter,
                        boolean zeroCopy) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.computeType = computeType;
        this.device = manager.getDevice();
        this.adapter = adapter;
        this.zeroCopy = zeroCopy;
        this.buffers = new Buffers();
    }

    private WeightLoader(WeightLoader other, NDManager manager) {
        this.checkpoint = other.checkpoint;
        this.manager = manager;
        this.computeType = other.computeType;
        this.device = manager.getDevice();
        this.adapter = other.adapter;
        this.zeroCopy = other.zeroCopy;
        this.buffers = other.buffers;
    }

    /** The same loader putting its arrays into {@code other} (sharing its buffers, so the same thread only). */
    public WeightLoader into(NDManager other) {
        return new WeightLoader(this, other);
    }

    /** Checks names, shapes and dtypes of every tensor the config needs; lists all problems in one message. */
    public static void validate(Checkpoint checkpoint, ModelConfig config) {
        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            if (!checkpoint.has(e.getKey())) {
                missing.add(e.getKey());
                continue;
            }
            Safetensors.Entry entry = checkpoint.entry(e.getKey());
            if (!Arrays.equals(entry.shape(), e.getValue())) {
                wrong.add(e.getKey() + " has shape " + Arrays.toString(entry.shape()) + ", config needs "
                        + Arrays.toString(e.getValue()));
            } else if (entry.dtype() != DType.F32 && entry.dtype() != DType.F16 && entry.dtype() != DType.BF16) {
                wrong.add(e.getKey() + " has dtype " + entry.dtype().safetensorsName() + " (need F32, F16 or BF16)");
            }
        }
        List<String> unused = new ArrayList<>();
        for (String name : new TreeSet<>(checkpoint.names())) {
            if (!config.expectedTensors().containsKey(name) && !ignoredWhenUnused(name, config)) {
                unused.add(name);
            }
        }
        if (missing.isEmpty() && wrong.isEmpty() && unused.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("does not match config.json (" + config.architecture() + "):");
        String sep = " ";
        if (!missing.isEmpty()) {
            sb.append(" missing ").append(missing.size()).append(" tensor(s): ").append(head(missing));
            sep = "; ";
        }
        if (!wrong.isEmpty()) {
            sb.append(sep).append(wrong.size()).append(" tensor(s) with wrong shape/dtype: ").append(head(wrong));
            sep = "; ";
        }
        if (!unused.isEmpty()) {
            // e.g. biases of a config without attention_bias: running without them is not the trained model
            sb.append(sep).append(unused.size()).append(" tensor(s) that config.json gives no use: ")
                    .append(head(unused));
        }
        throw LandscapeException.of(weightsFile(checkpoint.dir()), sb.toString());
    }

    /**
     * Checkpoint tensors that transformers skips too: rotary tables saved as buffers by transformers before 4.31
     * (recomputed from the config), and an lm_head stored beside tied embeddings (tying replaces it by the embedding).
     */
    private static boolean ignoredWhenUnused(String name, ModelConfig config) {
        return name.endsWith(".rotary_emb.inv_freq") || (config.tieWordEmbeddings() && name.equals("lm_head.weight"));
    }

    /** The file that lists the weights: the single safetensors file, or the shards' index. */
    static Path weightsFile(Path dir) {
        if (Files.isRegularFile(dir)) {
            return dir;
        }
        return Files.isRegularFile(dir.resolve(Checkpoint.SINGLE)) ? dir.resolve(Checkpoint.SINGLE)
                : dir.resolve(Checkpoint.INDEX);
    }

    private static String head(List<String> items) {
        int show = Math.min(items.size(), 8);
        String s = String.join(", ", items.subList(0, show));
        return items.size() > show ? s + ", ... (" + (items.size() - show) + " more)" : s;
    }

    public DataType computeType() {
        return computeType;
    }

    public Device device() {
        return device;
    }

    /** Loads one weight (LoRA merged if the adapter targets it), as {@code computeType} on the device. */
    public NDArray load(String name) {
        NDArray w = loadRaw(name);
        if (adapter != null && adapter.targets(name)) {
            NDArray merged = adapter.merge(name, w, manager);
            w.close();
            w = merged;
        }
        return w;
    }

    /**
     * Loads a fused weight (LoRA merged if targeted) and splits its rows into consecutive blocks of the given sizes,
     * e.g. Phi-3's {@code qkv_proj} into q, k and v. The blocks are views of the loaded array, which stays open in
     * the manager: it may wrap the mapped file pages, which must stay referenced while the views are used.
     */
    public NDArray[] loadSplit(String name, long... rows) {
        NDArray w = load(name);
        NDArray[] out = new NDArray[rows.length];
        long from = 0;
        for (int i = 0; i < rows.length; i++) {
            out[i] = w.get(new NDIndex("{}:{}", from, from + rows[i]));
            from += rows[i];
        }
        return out;
    }

    /** Rows {@code [from, from + count)} of a 2-D weight (no LoRA), read into a new array on the device. */
    public NDArray loadRows(String name, long from, long count) {
        Safetensors.Entry e = checkpoint.entry(name);
        long[] s = e.shape();
        if (s.length != 2 || from < 0 || count < 0 || from + count > s[0]) {
            throw LandscapeException.of(checkpoint.file(name), "rows " + from + ".." + (from + count) + " outside "
                    + name + " " + Arrays.toString(s));
        }
        return read(e, from * s[1], new Shape(count, s[1]));
    }

    /**
     * Row {@code ids[i]} of a 2-D weight as row i of the result ({@code [ids.length, cols]} on the device): an
     * embedding lookup done by positional reads of the rows asked for, without loading the rest of the table.
     */
    public NDArray gatherRows(String name, long[] ids) {
        Safetensors.Entry e = checkpoint.entry(name);
        long[] s = e.shape();
        long cols = s[1];
        int size = e.dtype().size();
        long rowBytes = cols * size;
        int rowsPerChunk = (int) Math.max(1, (chunkBytes / 4) / cols);
        NDArray out = manager.create(new Shape(ids.length, cols), computeType);
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), manager.getEngine().getEngineName())) {
            for (int r0 = 0; r0 < ids.length; r0 += rowsPerChunk) {
                int n = Math.min(rowsPerChunk, ids.length - r0);
                ByteBuffer src = rawBuffer((int) (n * rowBytes));
                for (int k = 0; k < n; k++) {
                    long id = ids[r0 + k];
                    if (id < 0 || id >= s[0]) {
                        throw LandscapeException.of(checkpoint.file(name), "row " + id + " outside " + name + " "
                                + Arrays.toString(s));
                    }
                    ByteBuffer slot = src.duplicate();
                    slot.position((int) (k * rowBytes)).limit((int) ((k + 1) * rowBytes));
                    checkpoint.read(name, id * rowBytes, slot);
                }
                try (NDArray part = convert(cpu, src, e.dtype(), new Shape(n, cols))) {
                    out.set(new NDIndex("{}:{}", r0, r0 + n), part);
                }
            }
        }
        return out;
    }

    private NDArray loadRaw(String name) {
        Safetensors.Entry e = checkpoint.entry(name);
        boolean cpu = device.equals(Device.cpu());
        if (zeroCopy && cpu && e.bytes() <= maxSingleMapping && sameType(e.dtype())) {
            Tensor t = checkpoint.get(name);
            ByteBuffer b = t.data().duplicate().order(ByteOrder.nativeOrder());
            try (NDManager tmp = NDManager.newBaseManager(Device.cpu(), manager.getEngine().getEngineName())) {
                NDArray a = tmp.create(b, new Shape(t.shape()), computeType);
                a.attach(manager);
                return a;
            }
        }
        return read(e, 0, new Shape(e.shape()));
    }

    private boolean sameType(DType d) {
        return (d == DType.F32 && computeType == DataType.FLOAT32) || (d == DType.F16 && computeType == DataType.FLOAT16);
    }

    /**
     * Elements {@code [first, first + shape.size())} of a tensor (row-major), read in chunks into a new array of
     * {@code shape} in the compute dtype on the device.
     */
    private NDArray read(Safetensors.Entry e, long first, Shape shape) {
        long n = shape.size();
        int size = e.dtype().size();
        long chunk = Math.max(1, chunkBytes / 4);
        NDArray flat = manager.create(new Shape(n), computeType);
        // on the CPU, what Java converts (or copies as it is) goes straight into the tensor's memory
        boolean direct = device.equals(Device.cpu()) && javaConverts(e.dtype());
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), manager.getEngine().getEngineName())) {
            for (long from = 0; from < n; from += chunk) {
                int len = (int) Math.min(chunk, n - from);
                if (direct) {
                    try (NDArray view = flat.get(new NDIndex("{}:{}", from, from + len))) {
                        fill(e, first + from, len, view.toByteBuffer(true).order(ByteOrder.nativeOrder()));
                    }
                    continue;
                }
                NDArray part;
                if (javaConverts(e.dtype())) {
                    ByteBuffer staging = stagingBuffer(len * computeType.getNumOfBytes());
                    fill(e, first + from, len, staging);
                    part = toDevice(cpu.create(staging, new Shape(len), computeType));
                } else {
                    ByteBuffer src = rawBuffer(len * size);
                    checkpoint.read(e.name(), (first + from) * size, src.duplicate());
                    part = convert(cpu, src, e.dtype(), new Shape(len));
                }
                try (part) {
                    flat.set(new NDIndex("{}:{}", from, from + len), part);
                }
            }
        }
        NDArray shaped = flat.reshape(shape);
        flat.close();
        return shaped;
    }

    /** Whether values stored as {@code d} reach the compute dtype in Java: as they are, or BF16 converted. */
    private boolean javaConverts(DType d) {
        return sameType(d) || d == DType.BF16;
    }

    /**
     * Reads elements {@code [first, first + len)} of {@code e} (stored in the compute dtype or as BF16) into
     * {@code dst} (native order) in the compute dtype, in parts on all cores (positional reads are thread-safe).
     */
    private void fill(Safetensors.Entry e, long first, int len, ByteBuffer dst) {
        int size = e.dtype().size();
        int out = computeType.getNumOfBytes();
        boolean same = sameType(e.dtype());
        ByteBuffer raw = same ? null : rawBuffer(len * size);
        parts(len, (a, b) -> {
            if (same) {
                checkpoint.read(e.name(), (first + a) * size, range(dst, (long) a * out, (long) b * out));
            } else {
                ByteBuffer src = range(raw, (long) a * size, (long) b * size);
                checkpoint.read(e.name(), (first + a) * size, src.duplicate());
                decodeBf16(src, dst, a, b - a);
            }
        });
    }

    /** Runs {@code part} over consecutive ranges of {@code [0, len)} of about {@link #partElements}, in parallel. */
    private static void parts(int len, BiConsumer<Integer, Integer> part) {
        int parts = (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors() * 4L,
                (len + (long) partElements - 1) / partElements));
        if (parts == 1) {
            part.accept(0, len);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p ->
                part.accept((int) ((long) len * p / parts), (int) ((long) len * (p + 1) / parts)));
    }

    /** Bytes {@code [from, to)} of {@code b} as a buffer of their own (little-endian; positions are absolute). */
    private static ByteBuffer range(ByteBuffer b, long from, long to) {
        ByteBuffer d = b.duplicate();
        d.position(Math.toIntExact(from)).limit(Math.toIntExact(to));
        return d.slice().order(b.order());
    }

    /**
     * Little-endian values of {@code dtype} in {@code src} (a view of the read buffer) as an array of the compute dtype on
     * the device; it may wrap the loader's buffers, so it is closed before they are reused.
     */
    private NDArray convert(NDManager cpu, ByteBuffer src, DType dtype, Shape shape) {
        ByteBuffer b = src.duplicate().order(ByteOrder.nativeOrder());
        NDArray host;
        int n = Math.toIntExact(shape.size());
        switch (dtype) {
            case F32 -> host = cpu.create(b, shape, DataType.FLOAT32);
            case F16 -> host = cpu.create(b, shape, DataType.FLOAT16);
            case BF16 -> {
                ByteBuffer staging = stagingBuffer(n * computeType.getNumOfBytes());
                ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                parts(n, (a, c) -> decodeBf16(range(in, 2L * a, 2L * c), staging, a, c - a));
                host = cpu.create(staging, shape, computeType);
            }
            default -> throw LandscapeException.of(checkpoint.dir(), "unsupported dtype " + dtype);
        }
        NDArray out = host;
        if (out.getDataType() != computeType) {
            out = host.toType(computeType, true);
            host.close();
        }
        return toDevice(out);
    }

    /** {@code a} on the loader's device ({@code a} itself on the CPU; otherwise a copy, and {@code a} is closed). */
    private NDArray toDevice(NDArray a) {
        if (device.equals(Device.cpu())) {
            return a;
        }
        NDArray moved = a.toDevice(device, true);
        a.close();
        return moved;
    }

    /**
     * {@code n} bfloat16 values of {@code src} (little-endian) into elements {@code [at, at + n)} of {@code dst}
     * (native order) in the compute dtype: f32 exactly (the bits shifted left by 16), f16 as PyTorch rounds their
     * f32 values ({@link #bf16ToF16}).
     */
    private void decodeBf16(ByteBuffer src, ByteBuffer dst, int at, int n) {
        ByteBuffer in = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (computeType == DataType.FLOAT32) {
            for (int i = 0; i < n; i++) {
                dst.putInt((at + i) * 4, (in.getShort(i * 2) & 0xFFFF) << 16);
            }
        } else if (computeType == DataType.FLOAT16) {
            short[] table = bf16ToF16(manager.getEngine().getEngineName());
            for (int i = 0; i < n; i++) {
                dst.putShort((at + i) * 2, table[in.getShort(i * 2) & 0xFFFF]);
            }
        } else {
            throw new IllegalStateException("compute dtype " + computeType);
        }
    }

    /**
     * The float16 bits of every bfloat16 pattern's float32 value, as PyTorch's f32-to-f16 conversion gives them (round
     * to nearest even; computed once per process by that conversion, on all 65536 patterns at once).
     */
    static short[] bf16ToF16(String engine) {
        short[] t = bf16ToF16;
        if (t != null) {
            return t;
        }
        synchronized (WeightLoader.class) {
            if (bf16ToF16 == null) {
                float[] all = new float[1 << 16];
                for (int i = 0; i < all.length; i++) {
                    all[i] = Float.intBitsToFloat(i << 16);
                }
                short[] table = new short[1 << 16];
                try (NDManager m = NDManager.newBaseManager(Device.cpu(), engine);
                     NDArray f = m.create(all);
                     NDArray h = f.toType(DataType.FLOAT16, false)) {
                    h.toByteBuffer().order(ByteOrder.nativeOrder()).asShortBuffer().get(table);
                }
                bf16ToF16 = table;
            }
            return bf16ToF16;
        }
    }

    /** The reusable staging buffer (compute dtype, native order), positioned at 0 with {@code bytes} remaining. */
    private ByteBuffer stagingBuffer(int bytes) {
        if (buffers.staging == null || buffers.staging.capacity() < bytes) {
            buffers.staging = ByteBuffer.allocateDirect(Math.max(bytes, Math.min(chunkBytes, 1 << 20)))
                    .order(ByteOrder.nativeOrder());
        }
        ByteBuffer b = buffers.staging.duplicate().order(ByteOrder.nativeOrder());
        b.position(0).limit(bytes);
        return b.slice().order(ByteOrder.nativeOrder());
    }

    /** The reusable read buffer, positioned at 0 with {@code bytes} remaining. */
    private ByteBuffer rawBuffer(int bytes) {
        if (buffers.raw == null || buffers.raw.capacity() < bytes) {
            buffers.raw = ByteBuffer.allocateDirect(Math.max(bytes, Math.min(chunkBytes, 1 << 20)))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer b = buffers.raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(0).limit(bytes);
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
