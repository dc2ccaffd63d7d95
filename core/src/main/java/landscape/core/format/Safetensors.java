package landscape.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus an optional {@code __metadata__} string map), then the data.
 * Reads are memory-mapped and never trust the header: its size is capped, every tensor's offsets must lie inside the
 * data, must not overlap, and must equal shape x dtype size.
 */
public final class Safetensors {
    /** Headers above this size are refused (the reference implementation caps at 100 MB). */
    public static final long MAX_HEADER = 100L << 20;
    /** Largest region mapped at once; larger tensors are read through several mappings. */
    static final long MAP_CHUNK = 1L << 30;

    private Safetensors() {
    }

    /** A tensor's entry in the header. Offsets are absolute file positions. */
    public record Entry(String name, DType dtype, long[] shape, long start, long end) {
        public long numel() {
            return Tensor.numel(shape);
        }

        public long bytes() {
            return end - start;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** Opens a file for reading. Close it to release the channel; mapped buffers stay valid until collected. */
    public static Reader open(Path file) {
        return new Reader(file);
    }

    /** Header-only facts of a 2-D layer file holding one tensor (or one named "layer"). */
    public static LayerInfo info(Path file) {
        try (Reader r = open(file)) {
            Entry e = r.layerEntry();
            long[] s = e.shape();
            return new LayerInfo(s[0], s[1], e.dtype(), e.bytes());
        }
    }

    /** Reads the single tensor of a layer file (or the one named "layer") as a float64 matrix. */
    public static Matrix readMatrix(Path file) {
        try (Reader r = open(file)) {
            return r.readMatrix(r.layerEntry().name());
        }
    }

    /** Reader over one safetensors file. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;

        Reader(Path file) {
            this.file = file;
            try {
                this.channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException e) {
                throw LandscapeException.io(file, "cannot open", e);
            }
            try {
                LinkedHashMap<String, Entry> es = new LinkedHashMap<>();
                LinkedHashMap<String, String> md = new LinkedHashMap<>();
                parseHeader(es, md);
                this.entries = Collections.unmodifiableMap(es);
                this.metadata = Collections.unmodifiableMap(md);
            } catch (RuntimeException | IOException e) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
                if (e instanceof LandscapeException le) {
                    throw le;
                }
                throw LandscapeException.of(file, "cannot read safetensors header: " + e.getMessage());
            }
        }

        private void parseHeader(Map<String, Entry> es, Map<String, String> md) throws IOException {
            long size = channel.size();
            if (size < 8) {
                throw LandscapeException.of(file, "not a safetensors file (shorter than 8 bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER) {
                throw LandscapeException.of(file, "safetensors header length " + Long.toUnsignedString(headerLen)
                        + " is outside 2.." + MAX_HEADER);
            }
            if (8 + headerLen > size) {
                throw LandscapeException.of(file, "safetensors header length " + headerLen
                        + " runs past the end of the file (" + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(hb, 8);
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw LandscapeException.of(file, "safetensors header is not valid JSON: " + Json.oneLine(e.getMessage()));
            }
            if (root == null || !root.isObject()) {
                throw LandscapeException.of(file, "safetensors header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            List<long[]> ranges = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String name = f.getKey();
                JsonNode v = f.getValue();
                if (name.equals("__metadata__")) {
                    if (!v.isObject()) {
                        throw LandscapeException.of(file, "__metadata__ is not a string map");
                    }
                    v.fields().forEachRemaining(m -> md.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode dt = v.get("dtype");
                JsonNode sh = v.get("shape");
                JsonNode off = v.get("data_offsets");
                if (dt == null || sh == null || off == null || !sh.isArray() || !off.isArray() || off.size() != 2) {
                    throw LandscapeException.of(file, "tensor '" + name + "' lacks dtype, shape or data_offsets");
                }
                DType dtype = DType.fromSafetensors(dt.asText());
                if (dtype == null) {
                    throw LandscapeException.of(file, "tensor '" + name + "' has unknown dtype '" + dt.asText() + "'");
                }
                long[] shape = new long[sh.size()];
                for (int i = 0; i < shape.length; i++) {
                    if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) {
                        throw LandscapeException.of(file, "tensor '" + name + "' has a bad shape " + sh);
                    }
                    shape[i] = sh.get(i).asLong();
                }
                if (!off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
                    throw LandscapeException.of(file, "tensor '" + name + "' has bad data_offsets " + off);
                }
                long begin = off.get(0).asLong();
                long end = off.get(1).asLong();
                if (begin < 0 || end < begin || end > dataLen) {
                    throw LandscapeException.of(file, "tensor '" + name + "' data_offsets [" + begin + ", " + end
                            + "] lie outside the data (" + dataLen + " bytes)");
                }
                long need;
                try {
                    need = Math.multiplyExact(Tensor.numel(shape), (long) dtype.size());
                } catch (ArithmeticException e) {
                    throw LandscapeException.of(file, "tensor '" + name + "' shape " + sh + " overflows");
                }
                if (need != end - begin) {
                    throw LandscapeException.of(file, "tensor '" + name + "' shape " + sh + " of " + dtype.safetensorsName()
                            + " needs " + need + " bytes but data_offsets span " + (end - begin));
                }
                ranges.add(new long[] {begin, end});
                es.put(name, new Entry(name, dtype, shape, dataStart + begin, dataStart + end));
            }
            ranges.sort(Comparator.comparingLong(r -> r[0]));
            for (int i = 1; i < ranges.size(); i++) {
                if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                    throw LandscapeException.of(file, "tensor data ranges overlap at byte " + ranges.get(i)[0]);
                }
            }
        }

        private void readFully(ByteBuffer dst, long pos) throws IOException {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos);
                if (n < 0) {
                    throw LandscapeException.of(file, "unexpected end of file");
                }
                pos += n;
            }
        }

        public Path file() {
            return file;
        }

        public Map<String, Entry> entries() {
            return entries;
        }

        public Map<String, String> metadata() {
            return metadata;
        }

        public Entry entry(String name) {
            Entry e = entries.get(name);
            if (e == null) {
                throw LandscapeException.of(file, "no tensor named '" + name + "'");
            }
            return e;
        }

        /** The tensor of a layer file: the one named "layer", else the only tensor. Must be 2-D. */
        public Entry layerEntry() {
            Entry e = entries.get("layer");
            if (e == null) {
                if (entries.size() != 1) {
                    throw LandscapeException.of(file, "expected one tensor (or one named 'layer'), found " + entries.size());
                }
                e = entries.values().iterator().next();
            }
            if (e.shape().length != 2) {
                throw LandscapeException.of(file, "expected a 2-D tensor [rows, dim], got shape " + Arrays.toString(e.shape()));
            }
            return e;
        }

        /** A tensor under 2 GB, memory-mapped (no copy). */
        public Tensor get(String name) {
            Entry e = entry(name);
            if (e.bytes() > Integer.MAX_VALUE) {
                throw LandscapeException.of(file, "tensor '" + name + "' is " + e.bytes() + " bytes; read it by rows");
            }
            return new Tensor(e.dtype(), e.shape(), map(e.start(), e.bytes()));
        }

        /** Raw bytes of rows [from, from+count) of a tensor's first dimension, memory-mapped. Works past 2 GB. */
        public ByteBuffer rows(String name, long from, long count) {
            Entry e = entry(name);
            long[] s = e.shape();
            if (s.length == 0 || from < 0 || count < 0 || from + count > s[0]) {
                throw LandscapeException.of(file, "rows " + from + ".." + (from + count) + " outside tensor '" + name + "'");
            }
            long rowBytes = s[0] == 0 ? 0 : e.bytes() / s[0];
            long len = Math.multiplyExact(rowBytes, count);
            if (len > Integer.MAX_VALUE) {
                throw LandscapeException.of(file, "row block of " + len + " bytes is too large to map at once");
            }
            return map(e.start() + from * rowBytes, len);
        }

        /**
         * Copies {@code dst.remaining()} bytes of a tensor's data, starting {@code offset} bytes into it, into
         * {@code dst} with positional reads (nothing is mapped, so the file's pages never count in this process's
         * resident memory; safe to call from several threads at once). Works past 2 GB.
         */
        public void read(String name, long offset, ByteBuffer dst) {
            Entry e = entry(name);
            int len = dst.remaining();
            if (offset < 0 || offset + len > e.bytes()) {
                throw LandscapeException.of(file, "bytes " + offset + ".." + (offset + len) + " outside tensor '" + name
                        + "' (" + e.bytes() + " bytes)");
            }
            try {
                readFully(dst, e.start() + offset);
            } catch (IOException ex) {
                throw LandscapeException.io(file, "cannot read tensor '" + name + "'", ex);
            }
        }

        /** All values of a tensor as float64 (row blocks mapped one at a time; fine past 2 GB of file). */
        public double[] readDoubles(String name) {
            Entry e = entry(name);
            long n = e.numel();
            if (n > Integer.MAX_VALUE - 8) {
                throw LandscapeException.of(file, "tensor '" + name + "' has " + n + " values, too many for one array");
            }
            double[] out = new double[(int) n];
            int size = e.dtype().size();
            long done = 0;
            while (done < n) {
                long take = Math.min(n - done, MAP_CHUNK / size);
                ByteBuffer b = map(e.start() + done * size, take * size);
                for (int i = 0; i < take; i++) {
                    out[(int) (done + i)] = e.dtype().getDouble(b, i);
                }
                done += take;
            }
            return out;
        }

        public Matrix readMatrix(String name) {
            Entry e = entry(name);
            long[] s = e.shape();
            if (s.length != 2) {
                throw LandscapeException.of(file, "tensor '" + name + "' is not 2-D: shape " + Arrays.toString(s));
            }
            return new Matrix(Math.toIntExact(s[0]), Math.toIntExact(s[1]), readDoubles(name));
        }

        private ByteBuffer map(long pos, long len) {
            try {
                return channel.map(FileChannel.MapMode.READ_ONLY, pos, len).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw LandscapeException.of(file, "cannot map bytes " + pos + ".." + (pos + len) + ": " + e.getMessage());
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
    }

    /** Shape and dtype of a tensor to be written. */
    public record Spec(DType dtype, long[] shape) {
        public long bytes() {
            return Math.multiplyExact(Tensor.numel(shape), (long) dtype.size());
        }
    }

    /** Writes whole tensors, in the given order, to {@code file} (atomically). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        LinkedHashMap<String, Spec> specs = new LinkedHashMap<>();
        tensors.forEach((k, t) -> specs.put(k, new Spec(t.dtype(), t.shape())));
        try (Writer w = create(file, specs, metadata)) {
            tensors.forEach((k, t) -> w.write(k, 0, t.data().duplicate()));
            w.commit();
        }
    }

    /**
     * Preallocates {@code file} (under a temporary name) with room for every tensor; rows are then filled at any
     * offset in any order, and {@link Writer#commit()} renames the file into place. Closing without commit deletes it.
     */
    public static Writer create(Path file, Map<String, Spec> specs, Map<String, String> metadata) {
        return new Writer(file, specs, metadata);
    }

    /** A preallocated safetensors file being filled. Peak memory does not depend on the tensor sizes. */
    public static final class Writer implements AutoCloseable {
        private final Path file;
        private final Path tmp;
        private final FileChannel channel;
        private final Map<String, long[]> offsets = new LinkedHashMap<>();
        private final Map<String, Spec> specs;
        private boolean committed;

        Writer(Path file, Map<String, Spec> specs, Map<String, String> metadata) {
            this.file = file;
            this.specs = new LinkedHashMap<>(specs);
            this.tmp = file.resolveSibling(file.getFileName() + ".partial");
            ObjectNode header = Json.MAPPER.createObjectNode();
            if (metadata != null && !metadata.isEmpty()) {
                // first, keys sorted: the same metadata gives the same bytes whatever the map's iteration order
                ObjectNode md = header.putObject("__metadata__");
                new TreeMap<>(metadata).forEach(md::put);
            }
            long pos = 0;
            for (Map.Entry<String, Spec> e : specs.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    throw new IllegalArgumentException("tensor name __metadata__ is reserved");
                }
                Spec s = e.getValue();
                long len = s.bytes();
                ObjectNode t = header.putObject(e.getKey());
                t.put("dtype", s.dtype().safetensorsName());
                var shape = t.putArray("shape");
                for (long d : s.shape()) {
                    shape.add(d);
                }
                var off = t.putArray("data_offsets");
                off.add(pos);
                off.add(pos + len);
                offsets.put(e.getKey(), new long[] {pos, len});
                pos += len;
            }
            byte[] json;
            try {
                json = Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(header);
            } catch (IOException e) {
                throw LandscapeException.of(file, "cannot encode header: " + e.getMessage());
            }
            int padded = (json.length + 7) / 8 * 8;
            byte[] hdr = Arrays.copyOf(json, padded);
            Arrays.fill(hdr, json.length, padded, (byte) ' ');
            long dataStart = 8 + padded;
            for (long[] o : offsets.values()) {
                o[0] += dataStart;
            }
            try {
                Files.deleteIfExists(tmp);
                channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
                ByteBuffer pre = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                pre.flip();
                writeFully(pre, 0);
                writeFully(ByteBuffer.wrap(hdr), 8);
                long total = dataStart + pos;
                if (total > dataStart) {
                    // preallocate: a sparse file of the final length
                    writeFully(ByteBuffer.allocate(1), total - 1);
                }
            } catch (IOException e) {
                throw LandscapeException.of(file, "cannot create: " + e.getMessage());
            }
        }

        /** Writes raw little-endian bytes (whole rows) at row {@code row} of tensor {@code name}. */
        public void write(String name, long row, ByteBuffer bytes) {
            long[] o = offsets.get(name);
            Spec s = specs.get(name);
            if (o == null) {
                throw new IllegalArgumentException("no tensor named " + name);
            }
            long rowBytes = s.shape().length == 0 || s.shape()[0] == 0 ? s.bytes() : s.bytes() / s.shape()[0];
            long at = row * rowBytes;
            if (row < 0 || at + bytes.remaining() > o[1] || (rowBytes > 0 && bytes.remaining() % rowBytes != 0)) {
                throw new IllegalArgumentException("write of " + bytes.remaining() + " bytes at row " + row
                        + " does not fit tensor " + name + " " + Arrays.toString(s.shape()));
            }
            try {
                writeFully(bytes, o[0] + at);
            } catch (IOException e) {
                throw LandscapeException.of(file, "cannot write: " + e.getMessage());
            }
        }

        /** Writes float rows, converted to the tensor's dtype, starting at row {@code row}. */
        public void writeRows(String name, long row, float[] values) {
            DType dt = specs.get(name).dtype();
            ByteBuffer b = ByteBuffer.allocate(values.length * dt.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (dt == DType.F32) {
                b.asFloatBuffer().put(values);
            } else {
                for (int i = 0; i < values.length; i++) {
                    dt.putDouble(b, i, values[i]);
                }
            }
            write(name, row, b);
        }

        private void writeFully(ByteBuffer src, long pos) throws IOException {
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
        }

        /** Flushes and renames the file into place. */
        public void commit() {
            try {
                channel.force(true);
                channel.close();
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                committed = true;
            } catch (IOException e) {
                throw LandscapeException.of(file, "cannot finish writing: " + e.getMessage());
            }
        }

        @Override
        public void close() {
            if (!committed) {
                try {
                    channel.close();
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort cleanup
                }
            }
        }
    }
}
