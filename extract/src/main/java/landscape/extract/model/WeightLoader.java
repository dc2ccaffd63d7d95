package landscape.extract.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;

/**
 * Turns memory-mapped checkpoint tensors into NDArrays of the compute dtype on the compute device.
 * <ul>
 *   <li>F32 into f32 on the CPU is zero-copy: the NDArray wraps the mapped file pages.</li>
 *   <li>F16 is wrapped as-is, then converted by PyTorch.</li>
 *   <li>BF16 is decoded in Java (bits shifted left by 16 are the f32 bits; exact), in row blocks of at most
 *       {@link #chunkBytes} (64 MB), because BF16 NDArrays abort the JVM with DJL 0.36 / PyTorch 2.7.1.</li>
 * </ul>
 * An optional LoRA adapter is merged into the targeted projection weights as they load.
 */
public final class WeightLoader {
    static int chunkBytes = 64 << 20;
    /** Tensors above this many bytes are read in row blocks (a single mapping is limited to 2 GB). */
    static long maxSingleMapping = Integer.MAX_VALUE;

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType computeType;
    private final Device device;
    private final LoraAdapter adapter;
    private ByteBuffer scratch;

    public WeightLoader(Checkpoint checkpoint, NDManager manager, DataType computeType, LoraAdapter adapter) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.computeType = computeType;
        this.device = manager.getDevice();
        this.adapter = adapter;
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
        if (missing.isEmpty() && wrong.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("does not match config.json (" + config.architecture() + "):");
        if (!missing.isEmpty()) {
            sb.append(" missing ").append(missing.size()).append(" tensor(s): ").append(head(missing));
        }
        if (!wrong.isEmpty()) {
            sb.append(missing.isEmpty() ? " " : "; ").append(wrong.size()).append(" tensor(s) with wrong shape/dtype: ")
                    .append(head(wrong));
        }
        throw LandscapeException.of(weightsFile(checkpoint.dir()), sb.toString());
    }

    /** The file that lists the weights: the single safetensors file, or the shards' index. */
    private static Path weightsFile(Path dir) {
        if (Files.isRegularFile(dir)) {
            return dir;
        }
        return Files.isRegularFile(dir.resolve(Checkpoint.INDEX)) ? dir.resolve(Checkpoint.INDEX)
                : dir.resolve(Checkpoint.SINGLE);
    }

    private static String head(List<String> items) {
        int show = Math.min(items.size(), 8);
        String s = String.join(", ", items.subList(0, show));
        return items.size() > show ? s + ", ... (" + (items.size() - show) + " more)" : s;
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
     * the model's manager: it may wrap the mapped file pages, which must stay referenced while the views are used.
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

    private NDArray loadRaw(String name) {
        Safetensors.Entry entry = checkpoint.entry(name);
        if (entry.bytes() > maxSingleMapping) {
            return toTarget(loadByRows(entry));
        }
        Tensor t = checkpoint.get(name);
        Shape shape = new Shape(t.shape());
        NDArray cpu;
        switch (t.dtype()) {
            case F32 -> cpu = wrap(t.data(), shape, DataType.FLOAT32);
            case F16 -> cpu = wrap(t.data(), shape, DataType.FLOAT16);
            case BF16 -> cpu = decodeBf16(t, shape);
            default -> throw LandscapeException.of(checkpoint.dir(), name + ": unsupported dtype " + t.dtype());
        }
        return toTarget(cpu);
    }

    /** Converts a CPU array to the compute dtype and moves it to the device. */
    private NDArray toTarget(NDArray cpu) {
        NDArray out = cpu;
        if (cpu.getDataType() != computeType) {
            out = cpu.toType(computeType, true);
            cpu.close();
        }
        if (!device.equals(Device.cpu())) {
            NDArray moved = out.toDevice(device, true);
            out.close();
            out = moved;
        }
        return out;
    }

    /**
     * A tensor too large for one mapping (for example Llama-3-70B's bf16 embedding, 2.1 GB), read in row blocks of
     * at most {@link #chunkBytes} (64 MB) through the shard's reader and copied into one float32 CPU array.
     */
    private NDArray loadByRows(Safetensors.Entry e) {
        long[] s = e.shape();
        long rows = s[0];
        long rowElems = rows == 0 ? 0 : e.numel() / rows;
        long rowBytes = rowElems * e.dtype().size();
        long block = Math.max(1, chunkBytes / Math.max(1, rowElems * 4));
        try (Safetensors.Reader reader = Safetensors.open(shardOf(e.name()));
             NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            NDArray out = cpu.zeros(new Shape(s), DataType.FLOAT32);
            for (long r0 = 0; r0 < rows; r0 += block) {
                long n = Math.min(block, rows - r0);
                ByteBuffer src = reader.rows(e.name(), r0, n).order(ByteOrder.LITTLE_ENDIAN);
                long[] partShape = s.clone();
                partShape[0] = n;
                try (NDArray part = rowBlock(cpu, src, e.dtype(), new Shape(partShape), n * rowBytes)) {
                    out.set(new NDIndex("{}:{}", r0, r0 + n), part);
                }
            }
            out.attach(manager);
            return out;
        }
    }

    private NDArray rowBlock(NDManager cpu, ByteBuffer src, DType dtype, Shape shape, long bytes) {
        switch (dtype) {
            case F32 -> {
                return cpu.create(src.duplicate().order(ByteOrder.nativeOrder()), shape, DataType.FLOAT32);
            }
            case F16 -> {
                try (NDArray h = cpu.create(src.duplicate().order(ByteOrder.nativeOrder()), shape, DataType.FLOAT16)) {
                    return h.toType(DataType.FLOAT32, true);
                }
            }
            case BF16 -> {
                int n = (int) (bytes / 2);
                ByteBuffer dst = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    dst.putInt(i * 4, (src.getShort(i * 2) & 0xFFFF) << 16);
                }
                return cpu.create(dst, shape, DataType.FLOAT32);
            }
            default -> throw LandscapeException.of(checkpoint.dir(), "unsupported dtype " + dtype);
        }
    }

    /** The safetensors file holding {@code name}: the single file, or its shard per the index's weight_map. */
    private Path shardOf(String name) {
        Path dir = checkpoint.dir();
        if (Files.isRegularFile(dir)) {
            return dir;
        }
        Path index = dir.resolve(Checkpoint.INDEX);
        if (!Files.isRegularFile(index)) {
            return dir.resolve(Checkpoint.SINGLE);
        }
        try {
            JsonNode shard = Json.MAPPER.readTree(index.toFile()).path("weight_map").get(name);
            if (shard == null) {
                throw LandscapeException.of(index, "no shard listed for '" + name + "'");
            }
            return dir.resolve(shard.asText());
        } catch (IOException ex) {
            throw LandscapeException.of(index, "cannot read JSON: " + Json.oneLine(ex.getMessage()));
        }
    }

    /** Wraps little-endian bytes without copying (direct buffers, as mapped ones are) in a CPU NDArray. */
    private NDArray wrap(ByteBuffer data, Shape shape, DataType type) {
        ByteBuffer b = data.duplicate().order(ByteOrder.nativeOrder());
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = cpu.create(b, shape, type);
            a.attach(manager);
            return a;
        }
    }

    private NDArray decodeBf16(Tensor t, Shape shape) {
        long n = t.numel();
        NDArray out;
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            out = cpu.zeros(new Shape(n), DataType.FLOAT32);
            ByteBuffer src = t.data();
            long chunk = chunkBytes / 4;
            if (scratch == null) {
                scratch = ByteBuffer.allocateDirect(chunkBytes).order(ByteOrder.nativeOrder());
            }
            for (long from = 0; from < n; from += chunk) {
                int len = (int) Math.min(chunk, n - from);
                ByteBuffer dst = scratch.duplicate().order(ByteOrder.nativeOrder());
                dst.clear();
                for (int i = 0; i < len; i++) {
                    int bits = src.getShort((int) ((from + i) * 2)) & 0xFFFF;
                    dst.putInt(i * 4, bits << 16);
                }
                dst.limit(len * 4);
                try (NDArray part = cpu.create(dst, new Shape(len), DataType.FLOAT32)) {
                    out.set(new NDIndex("{}:{}", from, from + len), part);
                }
            }
            NDArray shaped = out.reshape(shape);
            shaped.attach(manager);
            out.close();
            return shaped;
        }
    }
}
