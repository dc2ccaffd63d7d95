package landscape.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import landscape.core.LandscapeException;
import landscape.core.Matrix;

/**
 * NumPy {@code .npy} files, format versions 1.0, 2.0 and 3.0, C order, little-endian
 * {@code <f8 <f4 <f2 <i8 <i4 |u1 |b1}. Fortran-ordered files are refused. The header is never trusted: its length,
 * the shape times the item size and the file length must all agree.
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers longer than this are refused (NumPy itself refuses above 10000 bytes by default). */
    public static final int MAX_HEADER = 1 << 20;

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Header facts: element type, shape, and where the data starts. */
    public record Header(DType dtype, long[] shape, long dataOffset) {
        public long numel() {
            return Tensor.numel(shape);
        }

        public long dataBytes() {
            return Math.multiplyExact(numel(), (long) dtype.size());
        }
    }

    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw LandscapeException.io(file, "cannot read", e);
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        pre.flip();
        if (pre.remaining() < 10) {
            throw LandscapeException.of(file, "not a .npy file (too short)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) {
                throw LandscapeException.of(file, "not a .npy file (bad magic)");
            }
        }
        int major = pre.get(6) & 0xff;
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort(8) & 0xffff;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (pre.remaining() < 12) {
                throw LandscapeException.of(file, "not a .npy file (too short)");
            }
            headerLen = pre.getInt(8) & 0xffffffffL;
            prefix = 12;
        } else {
            throw LandscapeException.of(file, "unsupported .npy format version " + major + "." + (pre.get(7) & 0xff));
        }
        if (headerLen > MAX_HEADER) {
            throw LandscapeException.of(file, "npy header of " + headerLen + " bytes exceeds the limit of " + MAX_HEADER);
        }
        if (prefix + headerLen > size) {
            throw LandscapeException.of(file, "npy header length " + headerLen + " runs past the end of the file (" + size + " bytes)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, prefix);
        String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw LandscapeException.of(file, "malformed npy header: " + header.strip());
        }
        String descr = d.group(1);
        if (descr.startsWith(">")) {
            throw LandscapeException.of(file, "big-endian dtype '" + descr + "' is not supported; save with a little-endian dtype");
        }
        DType dtype = DType.fromNpy(descr);
        if (dtype == null) {
            throw LandscapeException.of(file, "unsupported npy dtype '" + descr + "' (supported: <f8 <f4 <f2 <i8 <i4 |u1 |b1)");
        }
        if (f.group(1).equals("True")) {
            throw LandscapeException.of(file, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray(a)");
        }
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            try {
                long v = Long.parseLong(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw LandscapeException.of(file, "bad dimension '" + p + "' in npy shape");
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long dataOffset = prefix + headerLen;
        Header h;
        try {
            h = new Header(dtype, shape, dataOffset);
            long need = h.dataBytes();
            if (dataOffset + need != size) {
                throw LandscapeException.of(file, "shape " + Arrays.toString(shape) + " of " + descr + " needs "
                        + need + " data bytes but the file holds " + (size - dataOffset));
            }
        } catch (ArithmeticException e) {
            throw LandscapeException.of(file, "npy shape " + Arrays.toString(shape) + " overflows");
        }
        return h;
    }

    /** Reads the whole array (memory-mapped, then wrapped; no copy for files under 2 GB). */
    public static Tensor read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(file, ch);
            long bytes = h.dataBytes();
            if (bytes > Integer.MAX_VALUE) {
                throw LandscapeException.of(file, "arrays over 2 GB are not supported in .npy; use safetensors");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, h.dataOffset(), bytes).order(ByteOrder.LITTLE_ENDIAN);
            return new Tensor(h.dtype(), h.shape(), buf);
        } catch (IOException e) {
            throw LandscapeException.io(file, "cannot read", e);
        }
    }

    /** A 2-D array as float64. A 1-D array is refused. */
    public static Matrix readMatrix(Path file) {
        Tensor t = read(file);
        if (t.shape().length != 2) {
            throw LandscapeException.of(file, "expected a 2-D array [rows, dim], got shape " + Arrays.toString(t.shape()));
        }
        return t.toMatrix();
    }

    /** A 1-D integer array (a mask of row indices). */
    public static long[] readIndices(Path file) {
        Tensor t = read(file);
        if (t.shape().length != 1) {
            throw LandscapeException.of(file, "expected a 1-D index array, got shape " + Arrays.toString(t.shape()));
        }
        if (t.dtype().isFloating() || t.dtype() == DType.BOOL) {
            throw LandscapeException.of(file, "expected integer indices, got dtype " + t.dtype().npyDescr());
        }
        return t.toLongArray();
    }

    /** Writes a tensor as a version 1.0 file (2.0 if the header would not fit), atomically via a temp name. */
    public static void write(Path file, Tensor t) {
        if (t.dtype().npyDescr() == null) {
            throw LandscapeException.of(file, "dtype " + t.dtype() + " cannot be stored in .npy");
        }
        long[] shape = t.shape();
        StringBuilder sb = new StringBuilder("{'descr': '").append(t.dtype().npyDescr())
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            sb.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                sb.append(shape.length == 1 ? "," : ", ");
            }
        }
        sb.append("), }");
        int major = 1;
        int prefix = 10;
        int total = prefix + sb.length() + 1;
        if (total + (64 - total % 64) % 64 - prefix > 0xffff) {
            major = 2;
            prefix = 12;
            total = prefix + sb.length() + 1;
        }
        int pad = (64 - total % 64) % 64;
        sb.append(" ".repeat(pad)).append('\n');
        byte[] header = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer pre = ByteBuffer.allocate(prefix).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            pre.putShort((short) header.length);
        } else {
            pre.putInt(header.length);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(pre.array());
                out.write(header);
                ByteBuffer d = t.data().duplicate();
                byte[] chunk = new byte[1 << 16];
                while (d.hasRemaining()) {
                    int n = Math.min(chunk.length, d.remaining());
                    d.get(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw LandscapeException.of(file, "cannot write: " + e.getMessage());
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
    }
}
