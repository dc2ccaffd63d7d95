package landscape.extract;

import io.airlift.compress.Compressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;
import landscape.extract.data.MmluDataset;
import landscape.extract.data.Question;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes parquet files for the tests with parquet-java's own writer (the library the reader uses), in the schema
 * pyarrow gives a {@code datasets} MMLU table, or in any other schema for the bad-input cases.
 */
final class ParquetFiles {
    /** The schema of cais/mmlu's parquet files (pyarrow's: strings, a three-level list, int64 class label). */
    static final MessageType HUB = MessageTypeParser.parseMessageType("message schema {"
            + " optional binary question (STRING); optional binary subject (STRING);"
            + " optional group choices (LIST) { repeated group list { optional binary element (STRING); } }"
            + " optional int64 answer; }");

    private ParquetFiles() {
    }

    /** Writes rows (filled in by the callbacks) in {@code schema}; data page v1 or v2; compression {@code codec}. */
    static Path write(Path file, MessageType schema, CompressionCodecName codec, boolean pageV2, List<Consumer<Group>> rows) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            SimpleGroupFactory f = new SimpleGroupFactory(schema);
            try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file))
                    .withConf(new PlainParquetConfiguration()).withCodecFactory(new WritingCodecs())
                    .withType(schema).withCompressionCodec(codec).withPageRowCountLimit(7)
                    .withWriterVersion(pageV2 ? ParquetProperties.WriterVersion.PARQUET_2_0 : ParquetProperties.WriterVersion.PARQUET_1_0)
                    .build()) {
                for (Consumer<Group> r : rows) {
                    Group g = f.newGroup();
                    r.accept(g);
                    w.write(g);
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A row of the hub schema. */
    static Consumer<Group> hubRow(String question, String subject, List<String> choices, long answer) {
        return g -> {
            g.append("question", question).append("subject", subject);
            Group list = g.addGroup("choices");
            for (String c : choices) {
                list.addGroup("list").append("element", c);
            }
            g.append("answer", answer);
        };
    }

    static Consumer<Group> hubRow(Question q) {
        return hubRow(q.question(), q.subject(), q.choices(), "ABCD".indexOf(q.answer()));
    }

    static Path writeHub(Path file, List<Question> qs, CompressionCodecName codec, boolean pageV2) {
        List<Consumer<Group>> rows = new ArrayList<>();
        qs.forEach(q -> rows.add(hubRow(q)));
        return write(file, HUB, codec, pageV2, rows);
    }

    /**
     * A Hendrycks CSV dataset re-written in the hub's layout: {@code all/<split>-00000-of-00001.parquet} (subjects in
     * the given order) when {@code all}, else {@code <subject>/<split>-00000-of-00001.parquet}. CSV split {@code val}
     * becomes {@code validation}.
     */
    static Path hubLayout(Path csvDataset, Path out, boolean all, List<String> splits, CompressionCodecName codec,
                          UnaryOperator<List<String>> subjectOrder) {
        for (String split : splits) {
            Map<String, List<Question>> bySubject = MmluDataset.bySubject(csvDataset, split);
            String hub = split.equals("val") ? "validation" : split;
            if (all) {
                List<Question> everything = new ArrayList<>();
                for (String s : subjectOrder.apply(new ArrayList<>(bySubject.keySet()))) {
                    everything.addAll(bySubject.get(s));
                }
                writeHub(out.resolve("all").resolve(hub + "-00000-of-00001.parquet"), everything, codec, false);
            } else {
                bySubject.forEach((s, qs) -> writeHub(out.resolve(s).resolve(hub + "-00000-of-00001.parquet"), qs, codec, false));
            }
        }
        return out;
    }

    /** Compressors for the writer (the extraction code only ever decompresses). */
    static final class WritingCodecs implements CompressionCodecFactory {
        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            return new BytesInputCompressor() {
                @Override
                public BytesInput compress(BytesInput bytes) throws IOException {
                    byte[] in = bytes.toByteArray();
                    return BytesInput.from(compressBytes(codec, in));
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return codec;
                }

                @Override
                public void release() {
                }
            };
        }

        static byte[] compressBytes(CompressionCodecName codec, byte[] in) throws IOException {
            if (codec == CompressionCodecName.UNCOMPRESSED) {
                return in;
            }
            if (codec == CompressionCodecName.GZIP) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                    z.write(in);
                }
                return out.toByteArray();
            }
            Compressor c = switch (codec) {
                case SNAPPY -> new SnappyCompressor();
                case ZSTD -> new ZstdCompressor();
                case LZ4_RAW -> new Lz4Compressor();
                default -> throw new IOException("no test compressor for " + codec);
            };
            byte[] out = new byte[c.maxCompressedLength(in.length)];
            int n = c.compress(in, 0, in.length, out, 0, out.length);
            return Arrays.copyOf(out, n);
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            throw new UnsupportedOperationException("writing only");
        }

        @Override
        public void release() {
        }
    }
}
