package landscape.core.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.format.Pickle.Factory;
import landscape.core.format.Pickle.Invalid;
import landscape.core.format.Pickle.Tuple;

/**
 * PyTorch {@code torch.save} files (the zip format of PyTorch 1.6 and later) holding one tensor, as the paper's
 * pipeline writes {@code l<i>_target.pt}. Layout: {@code <any folder>/data.pkl} (the pickle),
 * {@code <folder>/data/<key>} (raw little-endian storages), optional {@code <folder>/byteorder}. The pickle is
 * read by {@link Pickle} with a vocabulary of exactly {@code torch._utils._rebuild_tensor_v2},
 * {@code collections.OrderedDict} and the torch storage types; anything else is refused and nothing runs.
 * Views (storage offset, strides) are materialised into a C-contiguous {@link Tensor}.
 */
public final class TorchPt {
    /** data.pkl larger than this is refused (a tensor's pickle is a few hundred bytes). */
    static final long MAX_PICKLE_BYTES = 64L << 20;
    /** Storages are read into one Java array. */
    static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 64;
    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    static final Pickle.Vocabulary VOCABULARY;
    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DType.F32,
            "torch.HalfStorage", DType.F16,
            "torch.BFloat16Storage", DType.BF16,
            "torch.DoubleStorage", DType.F64,
            "torch.LongStorage", DType.I64,
            "torch.IntStorage", DType.I32,
            "torch.ByteStorage", DType.U8,
            "torch.BoolStorage", DType.BOOL);

    static {
        Map<String, Factory> g = new HashMap<>();
        g.put("torch._utils._rebuild_tensor_v2", TorchPt::rebuildTensor);
        g.put("collections.OrderedDict", TorchPt::orderedDict);
        for (String storage : STORAGE_TYPES.keySet()) {
            g.put(storage, Factory.NOT_CALLABLE);
        }
        VOCABULARY = new Pickle.Vocabulary(g, TorchPt::storage);
    }

    private TorchPt() {
    }

    /** A reference to a typed storage: element type, its key under {@code data/}, device and element count. */
    public record StorageRef(DType dtype, String key, String location, long numel) {
    }

    /** A tensor as pickled: a view (offset and strides in elements) on a storage. */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        public TensorRef {
            size = size.clone();
            stride = stride.clone();
        }

        @Override
        public long[] size() {
            return size.clone();
        }

        @Override
        public long[] stride() {
            return stride.clone();
        }

        public DType dtype() {
            return storage.dtype();
        }
    }

    /** The tensor, as a C-contiguous tensor of its own dtype. */
    public static Tensor read(Path file) {
        try (Archive a = Archive.open(file)) {
            TensorRef ref = a.tensorRef();
            byte[] storage = a.storageBytes(ref.storage());
            return materialise(file, ref, storage);
        }
    }

    /** A 2-D tensor as a float64 row-major matrix. */
    public static Matrix readMatrix(Path file) {
        Tensor t = read(file);
        if (t.shape().length != 2) {
            throw LandscapeException.of(file, "expected a 2-D tensor [rows, dim], got shape " + Arrays.toString(t.shape()));
        }
        return t.toMatrix();
    }

    /** The pickled tensor reference (shape, strides, dtype), from data.pkl alone. */
    public static TensorRef header(Path file) {
        try (Archive a = Archive.open(file)) {
            TensorRef ref = a.tensorRef();
            a.storageEntry(ref.storage());
            return ref;
        }
    }

    /** Rows, dim, dtype and bytes of a 2-D tensor, from data.pkl and the zip directory (the storage is not read). */
    public static LayerInfo info(Path file) {
        TensorRef ref = header(file);
        long[] s = ref.size();
        if (s.length != 2) {
            throw LandscapeException.of(file, "expected a 2-D tensor [rows, dim], got shape " + Arrays.toString(s));
        }
        return new LayerInfo(s[0], s[1], ref.dtype(), Math.multiplyExact(Tensor.numel(s), (long) ref.dtype().size()));
    }

    static Tensor materialise(Path file, TensorRef ref, byte[] storage) {
        long[] size = ref.size();
        long[] stride = ref.stride();
        int es = ref.dtype().size();
        long numel = Tensor.numel(size);
        long outBytes = Math.multiplyExact(numel, (long) es);
        if (outBytes > MAX_STORAGE_BYTES) {
            throw LandscapeException.of(file, "tensor of " + outBytes + " bytes is too large to read into memory");
        }
        if (numel == 0) {
            return Tensor.allocate(ref.dtype(), size);
        }
        if (isContiguous(size, stride)) {
            // the common case: the storage itself, no copy
            return new Tensor(ref.dtype(), size, ByteBuffer.wrap(storage, (int) (ref.offset() * es), (int) outBytes));
        }
        ByteBuffer out = ByteBuffer.allocate((int) outBytes).order(ByteOrder.LITTLE_ENDIAN);
        int nd = size.length;
        // innermost dimension copied as one run when its stride is 1, element by element otherwise
        long inner = nd == 0 ? 1 : size[nd - 1];
        long innerStride = nd == 0 ? 1 : stride[nd - 1];
        int outer = nd <= 1 ? 0 : nd - 1;
        long[] idx = new long[outer];
        long runs = numel / inner;
        byte[] dst = out.array();
        int w = 0;
        for (long r = 0; r < runs; r++) {
            long base = ref.offset();
            for (int d = 0; d < outer; d++) {
                base += idx[d] * stride[d];
            }
            if (innerStride == 1) {
                System.arraycopy(storage, (int) (base * es), dst, w, (int) (inner * es));
                w += (int) (inner * es);
            } else {
                for (long k = 0; k < inner; k++) {
                    System.arraycopy(storage, (int) ((base + k * innerStride) * es), dst, w, es);
                    w += es;
                }
            }
            for (int d = outer - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return new Tensor(ref.dtype(), size, out);
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    // ---- pickle vocabulary ----

    private static Object rebuildTensor(Tuple args) {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.size() < 4 || args.size() > 7 || !(args.get(0) instanceof StorageRef storage)) {
            throw new Invalid("expected (storage, storage_offset, size, stride, ...)");
        }
        if (!(args.get(1) instanceof Long offset) || offset < 0) {
            throw new Invalid("bad storage offset");
        }
        long[] size = longs(args.get(2), "size");
        long[] stride = longs(args.get(3), "stride");
        if (size.length != stride.length) {
            throw new Invalid("size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride) + " differ in rank");
        }
        if (size.length > 16) {
            throw new Invalid("tensor of rank " + size.length + " is not supported");
        }
        try {
            long numel = Tensor.numel(size);
            if (numel > 0) {
                long last = offset;
                for (int d = 0; d < size.length; d++) {
                    last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
                }
                if (last >= storage.numel()) {
                    throw new Invalid("view (offset " + offset + ", size " + Arrays.toString(size) + ", stride "
                            + Arrays.toString(stride) + ") reaches element " + last + " of a storage of "
                            + storage.numel() + " elements");
                }
            }
        } catch (ArithmeticException e) {
            throw new Invalid("tensor size " + Arrays.toString(size) + " overflows");
        }
        return new TensorRef(storage, offset, size, stride);
    }

    private static long[] longs(Object o, String what) {
        if (!(o instanceof Tuple t)) {
            throw new Invalid(what + " must be a tuple of ints");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v) || v < 0) {
                throw new Invalid(what + " must be a tuple of non-negative ints");
            }
            out[i] = v;
        }
        return out;
    }

    private static Object orderedDict(Tuple args) {
        if (args.size() != 0) {
            throw new Invalid("expected OrderedDict()");
        }
        return new LinkedHashMap<Object, Object>();
    }

    private static Object storage(Object pid) {
        // ('storage', storage_type, key, location, numel)
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new Invalid("unexpected persistent id (expected ('storage', type, key, location, numel))");
        }
        if (!(t.get(1) instanceof Pickle.Global type) || !STORAGE_TYPES.containsKey(type.qualified())) {
            throw new Invalid("unexpected storage type " + Pickle.typeName(t.get(1)));
        }
        if (!(t.get(2) instanceof String key) || !STORAGE_KEY.matcher(key).matches()) {
            throw new Invalid("bad storage key");
        }
        if (!(t.get(3) instanceof String location) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw new Invalid("bad storage location or size");
        }
        return new StorageRef(STORAGE_TYPES.get(type.qualified()), key, location, numel);
    }

    // ---- the zip archive ----

    private static final class Archive implements AutoCloseable {
        private final Path file;
        private final ZipFile zip;
        private final String prefix;

        private Archive(Path file, ZipFile zip, String prefix) {
            this.file = file;
            this.zip = zip;
            this.prefix = prefix;
        }

        static Archive open(Path file) {
            checkMagic(file);
            ZipFile zip;
            try {
                zip = new ZipFile(file.toFile());
            } catch (IOException e) {
                throw LandscapeException.of(file, "not a readable torch.save zip archive (truncated or corrupt?): " + e.getMessage());
            }
            try {
                List<String> pickles = new ArrayList<>();
                Enumeration<? extends ZipEntry> en = zip.entries();
                while (en.hasMoreElements()) {
                    String name = en.nextElement().getName();
                    if (name.equals("data.pkl") || (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9)) {
                        pickles.add(name);
                    }
                }
                if (pickles.size() != 1) {
                    throw LandscapeException.of(file, pickles.isEmpty()
                            ? "no data.pkl in the zip archive (not a torch.save file?)"
                            : "several data.pkl in the zip archive: " + pickles);
                }
                Archive a = new Archive(file, zip, pickles.get(0).substring(0, pickles.get(0).length() - "data.pkl".length()));
                a.checkByteOrder();
                return a;
            } catch (RuntimeException e) {
                closeQuietly(zip);
                throw e;
            }
        }

        private static void checkMagic(Path file) {
            byte[] head = new byte[4];
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, 4);
            } catch (IOException e) {
                throw LandscapeException.io(file, "cannot read", e);
            }
            if (n >= 2 && (head[0] & 0xff) == 0x80) {
                throw LandscapeException.of(file, "legacy (pre-1.6) torch.save format is not supported; re-save it with a current PyTorch");
            }
            if (n < 4 || head[0] != 'P' || head[1] != 'K') {
                throw LandscapeException.of(file, "not a torch.save zip archive (bad magic)");
            }
        }

        private void checkByteOrder() {
            ZipEntry e = zip.getEntry(prefix + "byteorder");
            if (e != null) {
                String order = new String(readEntry(e, 16), StandardCharsets.US_ASCII).strip();
                if (!order.equals("little")) {
                    throw LandscapeException.of(file, "byte order '" + order + "' is not supported (only little-endian)");
                }
            }
        }

        TensorRef tensorRef() {
            String name = prefix + "data.pkl";
            byte[] pkl = readEntry(zip.getEntry(name), MAX_PICKLE_BYTES);
            Object top = Pickle.load(pkl, file, VOCABULARY);
            if (!(top instanceof TensorRef ref)) {
                throw LandscapeException.of(file, "expected a single tensor in " + name + ", found a " + Pickle.typeName(top));
            }
            return ref;
        }

        ZipEntry storageEntry(StorageRef s) {
            String name = prefix + "data/" + s.key();
            ZipEntry e = zip.getEntry(name);
            if (e == null) {
                throw LandscapeException.of(file, "storage " + name + " is missing from the zip archive");
            }
            long need;
            try {
                need = Math.multiplyExact(s.numel(), (long) s.dtype().size());
            } catch (ArithmeticException x) {
                throw LandscapeException.of(file, "storage " + name + " size overflows");
            }
            if (e.getSize() != need) {
                throw LandscapeException.of(file, "storage " + name + " holds " + e.getSize() + " bytes but the pickle declares "
                        + s.numel() + " elements of " + s.dtype() + " (" + need + " bytes)");
            }
            if (need > MAX_STORAGE_BYTES) {
                throw LandscapeException.of(file, "storage " + name + " of " + need + " bytes is too large to read into memory");
            }
            return e;
        }

        byte[] storageBytes(StorageRef s) {
            ZipEntry e = storageEntry(s);
            return readEntry(e, e.getSize());
        }

        private byte[] readEntry(ZipEntry e, long limit) {
            long size = e.getSize();
            if (size < 0 || size > limit) {
                throw LandscapeException.of(file, "zip entry " + e.getName() + " has a bad or too large size (" + size + " bytes)");
            }
            try (InputStream in = zip.getInputStream(e)) {
                byte[] data = new byte[(int) size];
                int got = in.readNBytes(data, 0, data.length);
                if (got != size || in.read() != -1) {
                    throw LandscapeException.of(file, "zip entry " + e.getName() + " does not hold the " + size
                            + " bytes its directory declares (truncated or corrupt?)");
                }
                return data;
            } catch (IOException x) {
                throw LandscapeException.of(file, "cannot read zip entry " + e.getName() + " (truncated or corrupt?): " + x.getMessage());
            }
        }

        @Override
        public void close() {
            closeQuietly(zip);
        }

        private static void closeQuietly(ZipFile zip) {
            try {
                zip.close();
            } catch (IOException ignored) {
                // read-only; nothing to lose
            }
        }
    }
}
