package landscape.extract.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeException;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * One parquet file of MMLU as the Hugging Face hub publishes it ({@code cais/mmlu}, written by {@code datasets} /
 * pyarrow): columns {@code question} (string), {@code subject} (string), {@code choices} (list of 4 strings) and
 * {@code answer} (int64 class label, the index 0–3 of the right choice). Other columns are ignored (not read).
 * Read with Apache parquet-java (no Hadoop configuration; {@link ParquetCodecs} decompresses), rows in file order.
 * Anything else is refused with one line naming the file and the problem: a missing column or one of another type,
 * a null, {@code choices} without exactly 4 entries, an answer outside 0–3, text that is not UTF-8.
 */
public final class MmluParquet {
    static final List<String> COLUMNS = List.of("question", "subject", "choices", "answer");

    /** One row as stored; {@code subject} may be empty (the caller decides what that means). */
    public record Row(String question, String subject, List<String> choices, int answer) {
    }

    private MmluParquet() {
    }

    public static List<Row> read(Path file) {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(ParquetCodecs.INSTANCE).build();
        try (ParquetFileReader reader = new ParquetFileReader(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            Layout layout = Layout.of(file, schema);
            for (BlockMetaData block : reader.getRowGroups()) {
                for (ColumnChunkMetaData c : block.getColumns()) {
                    if (layout.projection.containsPath(c.getPath().toArray())
                            && !ParquetCodecs.SUPPORTED.contains(c.getCodec())) {
                        throw LandscapeException.of(file, "column " + c.getPath().toDotString() + " is compressed with "
                                + c.getCodec() + ", which is not supported (" + ParquetCodecs.SUPPORTED + ")");
                    }
                }
            }
            reader.setRequestedSchema(layout.projection);
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(layout.projection, schema);
            List<Row> rows = new ArrayList<>();
            PageReadStore rowGroup;
            while ((rowGroup = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(rowGroup, new GroupRecordConverter(layout.projection));
                for (long i = 0; i < rowGroup.getRowCount(); i++) {
                    rows.add(layout.row(file, records.read(), rows.size()));
                }
            }
            return rows;
        } catch (LandscapeException e) {
            throw e;
        } catch (IOException e) {
            throw LandscapeException.io(file, "cannot read parquet", e);
        } catch (RuntimeException e) {
            // parquet-java's errors on damaged files (bad magic, truncated footer, corrupt pages) are runtime ones
            throw LandscapeException.of(file, "not a readable parquet file: " + oneLine(e));
        }
    }

    private static String oneLine(Throwable e) {
        Throwable t = e instanceof ParquetDecodingException && e.getCause() != null ? e.getCause() : e;
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("\\s+", " ").strip();
    }

    /** The four columns' places in the file's schema, checked, and the projection that reads only them. */
    private record Layout(MessageType projection, boolean choicesThreeLevel, boolean answerIsLong) {
        static Layout of(Path file, MessageType schema) {
            List<String> missing = COLUMNS.stream().filter(c -> !schema.containsField(c)).toList();
            if (!missing.isEmpty()) {
                throw LandscapeException.of(file, "no column " + String.join(", ", missing) + " (MMLU parquet as in "
                        + "cais/mmlu has question, subject, choices, answer; this file has "
                        + String.join(", ", schema.getFields().stream().map(Type::getName).toList()) + ")");
            }
            requireString(file, schema.getType("question"), "question");
            requireString(file, schema.getType("subject"), "subject");
            boolean threeLevel = listOfStrings(file, schema.getType("choices"));
            Type answer = schema.getType("answer");
            if (!answer.isPrimitive() || answer.isRepetition(Type.Repetition.REPEATED)
                    || !(answer.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT64
                    || answer.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32)
                    || !(answer.getLogicalTypeAnnotation() == null
                    || answer.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation)) {
                throw LandscapeException.of(file, "column answer is " + describe(answer)
                        + ", expected an integer (int64: the index 0-3 of the right choice)");
            }
            boolean isLong = answer.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT64;
            List<Type> fields = schema.getFields().stream().filter(f -> COLUMNS.contains(f.getName())).toList();
            return new Layout(new MessageType(schema.getName(), fields), threeLevel, isLong);
        }

        private static boolean isString(Type t) {
            return t.isPrimitive() && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY
                    && t.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation;
        }

        private static void requireString(Path file, Type t, String name) {
            if (!isString(t) || t.isRepetition(Type.Repetition.REPEATED)) {
                throw LandscapeException.of(file, "column " + name + " is " + describe(t) + ", expected a string");
            }
        }

        /**
         * {@code choices}: a LIST of strings, in the standard three-level form ({@code repeated group list {
         * optional binary element (STRING) }}, what pyarrow writes) or the legacy two-level one ({@code repeated
         * binary array (STRING)}). Returns true for the three-level form.
         */
        private static boolean listOfStrings(Path file, Type t) {
            if (!t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)
                    && t.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
                    && t.asGroupType().getFieldCount() == 1) {
                Type repeated = t.asGroupType().getType(0);
                if (repeated.isRepetition(Type.Repetition.REPEATED)) {
                    if (isString(repeated)) {
                        return false;
                    }
                    if (!repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1) {
                        Type element = repeated.asGroupType().getType(0);
                        if (isString(element) && !element.isRepetition(Type.Repetition.REPEATED)) {
                            return true;
                        }
                    }
                }
            }
            throw LandscapeException.of(file, "column choices is " + describe(t) + ", expected a list of 4 strings");
        }

        private static String describe(Type t) {
            return t.toString().replaceAll("\\s+", " ").strip();
        }

        Row row(Path file, Group g, int index) {
            String question = text(file, g, "question", index);
            String subject = text(file, g, "subject", index);
            if (g.getFieldRepetitionCount("choices") == 0) {
                throw rowError(file, index, "choices is null");
            }
            Group list = g.getGroup("choices", 0);
            int n = list.getFieldRepetitionCount(0);
            if (n != 4) {
                throw rowError(file, index, "choices has " + n + " entries, expected 4");
            }
            List<String> choices = new ArrayList<>(4);
            for (int i = 0; i < n; i++) {
                Group holder = choicesThreeLevel ? list.getGroup(0, i) : list;
                int at = choicesThreeLevel ? 0 : i;
                if (choicesThreeLevel && holder.getFieldRepetitionCount(0) == 0) {
                    throw rowError(file, index, "choice " + i + " is null");
                }
                choices.add(utf8(file, holder.getBinary(0, at).toByteBuffer(), index, "choice " + i));
            }
            if (g.getFieldRepetitionCount("answer") == 0) {
                throw rowError(file, index, "answer is null");
            }
            long answer = answerIsLong ? g.getLong("answer", 0) : g.getInteger("answer", 0);
            if (answer < 0 || answer > 3) {
                throw rowError(file, index, "answer " + answer + " is outside 0-3 (the index of the right choice)");
            }
            return new Row(question, subject, List.copyOf(choices), (int) answer);
        }

        private static String text(Path file, Group g, String field, int index) {
            if (g.getFieldRepetitionCount(field) == 0) {
                throw rowError(file, index, field + " is null");
            }
            return utf8(file, g.getBinary(field, 0).toByteBuffer(), index, field);
        }

        private static String utf8(Path file, ByteBuffer bytes, int index, String what) {
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(bytes).toString();
            } catch (CharacterCodingException e) {
                throw rowError(file, index, what + " is not valid UTF-8 text");
            }
        }

        private static LandscapeException rowError(Path file, int index, String problem) {
            return LandscapeException.of(file, "row " + index + " (counting from 0): " + problem);
        }
    }
}
