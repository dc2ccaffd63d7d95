package landscape.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import landscape.core.format.Pickle.Factory;
import landscape.core.format.Pickle.Invalid;
import landscape.core.format.Pickle.Tuple;

/**
 * NumPy arrays as NumPy pickles them ({@code ndarray.__reduce__}): {@code _reconstruct(ndarray, (0,), b'b')}
 * followed by {@code BUILD} with {@code (version, shape, dtype, is_fortran, raw_bytes)}, where the dtype is
 * {@code dtype('U1', False, True)} plus its own {@code BUILD} state. Both module names are accepted:
 * {@code numpy.core.multiarray} (numpy &lt; 2) and {@code numpy._core.multiarray} (numpy &ge; 2). Only the raw data
 * is decoded; object arrays (pickled element by element) are refused.
 */
public final class PickledNumpy {
    /** Arrays larger than this many elements are refused. */
    static final long MAX_ELEMENTS = 1L << 31;

    /** The NumPy globals an array pickle needs, and nothing else. */
    public static final Pickle.Vocabulary VOCABULARY;

    static {
        Map<String, Factory> g = new HashMap<>();
        Factory reconstruct = PickledNumpy::reconstruct;
        g.put("numpy.core.multiarray._reconstruct", reconstruct);
        g.put("numpy._core.multiarray._reconstruct", reconstruct);
        g.put("numpy.ndarray", Factory.NOT_CALLABLE);
        g.put("numpy.dtype", PickledNumpy::dtype);
        VOCABULARY = new Pickle.Vocabulary(g, null);
    }

    private PickledNumpy() {
    }

    private static Object reconstruct(Tuple args) {
        if (args.size() != 3 || !(args.get(0) instanceof Pickle.Global cls) || !cls.qualified().equals("numpy.ndarray")) {
            throw new Invalid("expected _reconstruct(numpy.ndarray, shape, typecode)");
        }
        return new Array();
    }

    private static Object dtype(Tuple args) {
        if (args.size() < 1 || !(args.get(0) instanceof String spec)) {
            throw new Invalid("expected dtype(str, align, copy)");
        }
        return new Dtype(spec);
    }

    /** A NumPy dtype: kind ('f', 'i', 'u', 'b', 'U', 'S'), byte order ('<', '>', '|') and item size in bytes. */
    public static final class Dtype implements Pickle.Stateful {
        private final char kind;
        private int itemSize;
        private char byteOrder = '<';

        Dtype(String spec) {
            String s = spec;
            if (!s.isEmpty() && "<>|=".indexOf(s.charAt(0)) >= 0) {
                byteOrder = s.charAt(0) == '=' ? '<' : s.charAt(0);
                s = s.substring(1);
            }
            if (s.isEmpty() || "fiubUS".indexOf(s.charAt(0)) < 0) {
                throw new Invalid("unsupported NumPy dtype '" + spec + "'");
            }
            kind = s.charAt(0);
            String digits = s.substring(1);
            try {
                int n = digits.isEmpty() ? (kind == 'b' ? 1 : 0) : Integer.parseInt(digits);
                if (n < 0 || n > 1 << 20) {
                    throw new NumberFormatException();
                }
                itemSize = kind == 'U' ? Math.multiplyExact(n, 4) : n;
            } catch (NumberFormatException | ArithmeticException e) {
                throw new Invalid("unsupported NumPy dtype '" + spec + "'");
            }
        }

        @Override
        public void setState(Object state) {
            // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
            if (!(state instanceof Tuple t) || t.size() < 8 || !(t.get(1) instanceof String order) || order.length() != 1) {
                throw new Invalid("unexpected NumPy dtype state");
            }
            if (t.get(2) != null || t.get(3) != null || t.get(4) != null) {
                throw new Invalid("structured or sub-array NumPy dtypes are not supported");
            }
            char o = order.charAt(0);
            if ("<>|=".indexOf(o) < 0) {
                throw new Invalid("unexpected NumPy byte order '" + order + "'");
            }
            byteOrder = o == '=' ? '<' : o;
            if (t.get(5) instanceof Long elsize && elsize > 0) {
                if (elsize > 1 << 22) {
                    throw new Invalid("NumPy item size " + elsize + " is too large");
                }
                itemSize = (int) (long) elsize;
            }
        }

        public char kind() {
            return kind;
        }

        public int itemSize() {
            return itemSize;
        }

        public char byteOrder() {
            return byteOrder;
        }

        /** The matching numeric {@link DType}, or null (strings, or widths this project does not use). */
        public DType numericType() {
            return kind == 'U' || kind == 'S' ? null : DType.fromNpy("" + kind + itemSize);
        }

        @Override
        public String toString() {
            return "" + byteOrder + kind + (kind == 'U' ? itemSize / 4 : itemSize);
        }
    }

    /** A NumPy array rebuilt from its pickle: shape, dtype and raw C-ordered bytes. */
    public static final class Array implements Pickle.Stateful {
        private long[] shape;
        private Dtype dtype;
        private byte[] raw;

        @Override
        public void setState(Object state) {
            // (version, shape, dtype, is_fortran, raw bytes)
            if (!(state instanceof Tuple t) || t.size() != 5 || !(t.get(1) instanceof Tuple dims)
                    || !(t.get(2) instanceof Dtype dt) || !(t.get(3) instanceof Boolean fortran)) {
                throw new Invalid("unexpected NumPy array state");
            }
            if (!(t.get(4) instanceof byte[] data)) {
                throw new Invalid("NumPy object arrays (or arrays without raw data) are not supported");
            }
            long[] s = new long[dims.size()];
            long n = 1;
            for (int i = 0; i < s.length; i++) {
                if (!(dims.get(i) instanceof Long d) || d < 0) {
                    throw new Invalid("bad NumPy array shape");
                }
                s[i] = d;
                n = Math.multiplyExact(n, d);
            }
            if (n > MAX_ELEMENTS) {
                throw new Invalid("NumPy array of " + n + " elements is too large");
            }
            if (fortran && s.length > 1) {
                throw new Invalid("Fortran-ordered NumPy arrays are not supported");
            }
            long need = Math.multiplyExact(n, (long) dt.itemSize());
            if (need != data.length) {
                throw new Invalid("NumPy array " + Arrays.toString(s) + " of " + dt + " needs " + need
                        + " bytes, the pickle holds " + data.length);
            }
            shape = s;
            dtype = dt;
            raw = data;
        }

        private void requireBuilt() {
            if (raw == null) {
                throw new Invalid("NumPy array without state");
            }
        }

        public long[] shape() {
            requireBuilt();
            return shape.clone();
        }

        public Dtype dtype() {
            requireBuilt();
            return dtype;
        }

        /** The elements of a str ('U', UCS-4) or bytes ('S') array, trailing NULs removed as NumPy does. */
        public List<String> strings() {
            requireBuilt();
            int size = dtype.itemSize();
            int n = size == 0 ? Math.toIntExact(Tensor.numel(shape)) : raw.length / size;
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int at = i * size;
                if (dtype.kind() == 'U') {
                    out.add(ucs4(raw, at, size, dtype.byteOrder() == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN));
                } else if (dtype.kind() == 'S') {
                    int end = at + size;
                    while (end > at && raw[end - 1] == 0) {
                        end--;
                    }
                    out.add(new String(raw, at, end - at, StandardCharsets.ISO_8859_1));
                } else {
                    throw new Invalid("expected a NumPy str array, got dtype " + dtype);
                }
            }
            return out;
        }

        /** A numeric array as a tensor (little-endian). */
        public Tensor tensor() {
            requireBuilt();
            DType t = dtype.numericType();
            if (t == null) {
                throw new Invalid("NumPy dtype " + dtype + " is not a supported numeric type");
            }
            if (dtype.byteOrder() == '>' && t.size() > 1) {
                throw new Invalid("big-endian NumPy arrays are not supported");
            }
            return new Tensor(t, shape, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN));
        }

        private static String ucs4(byte[] raw, int at, int size, ByteOrder order) {
            ByteBuffer bb = ByteBuffer.wrap(raw, at, size).order(order);
            StringBuilder sb = new StringBuilder();
            int end = size / 4;
            int[] cps = new int[end];
            for (int k = 0; k < end; k++) {
                cps[k] = bb.getInt(at + 4 * k);
            }
            while (end > 0 && cps[end - 1] == 0) {
                end--;
            }
            for (int k = 0; k < end; k++) {
                int c = cps[k];
                if (c < 0 || c > Character.MAX_CODE_POINT || (c >= 0xd800 && c <= 0xdfff)) {
                    throw new Invalid(String.format("invalid code point 0x%x in a NumPy str array", c));
                }
                sb.appendCodePoint(c);
            }
            return sb.toString();
        }
    }
}
