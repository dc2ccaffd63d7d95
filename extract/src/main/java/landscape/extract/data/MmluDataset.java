package landscape.extract.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import landscape.core.LandscapeException;
import landscape.core.data.MmluLayout;
import landscape.core.run.Csv;

/**
 * MMLU questions from either layout {@link MmluLayout} recognises: the original Hendrycks CSVs
 * ({@code DIR/<split>/<subject>_<split>.csv}, no header, fields question,A,B,C,D,answer) or the parquet files of
 * Hugging Face {@code cais/mmlu} ({@link MmluParquet}). Both give the same order: subjects alphabetically, each
 * subject's rows in file order. That is the order of {@code cais/mmlu} "all" (whose rows are already grouped that
 * way; they are grouped again, stably, so any file gives the reference order), so {@code dataset_index} means the
 * same question whichever layout was read. A subject without rows is an error, in both layouts.
 */
public final class MmluDataset {
    public static final Set<String> LETTERS = Set.of("A", "B", "C", "D");
    private static final String[] LETTER = {"A", "B", "C", "D"};

    private MmluDataset() {
    }

    /** All questions of a split, subject by subject (alphabetical), each in file order; index = position. */
    public static List<Question> load(Path dir, String split) {
        List<Question> out = new ArrayList<>();
        for (Map.Entry<String, List<Question>> e : read(dir, split).entrySet()) {
            for (Question q : e.getValue()) {
                out.add(new Question(out.size(), q.subject(), q.question(), q.choices(), q.answer()));
            }
        }
        return out;
    }

    /** Questions grouped by subject (used for the dev shots); indices count from 0 within each subject. */
    public static Map<String, List<Question>> bySubject(Path dir, String split) {
        return read(dir, split);
    }

    /** Where a split's subjects come from, for messages ({@code DIR/dev}, or the parquet folder). */
    public static Path splitLocation(Path dir, String split) {
        return MmluLayout.detect(dir).splitLocation(split);
    }

    /** Subject → its rows in file order (indices within the subject), subjects sorted. */
    private static Map<String, List<Question>> read(Path dir, String split) {
        MmluLayout layout = MmluLayout.detect(dir);
        Map<String, List<Question>> bySubject = new TreeMap<>();
        List<MmluLayout.Source> sources = layout.sources(split);
        for (MmluLayout.Source s : sources) {
            if (layout.format() == MmluLayout.Format.CSV) {
                List<Question> rows = readFile(s.file(), s.subject());
                if (rows.isEmpty()) {
                    throw LandscapeException.of(s.file(), "no rows: subject '" + s.subject() + "' has no questions "
                            + "in this split (a partial download? an empty subject would silently shrink the dataset)");
                }
                bySubject.put(s.subject(), rows);
            } else {
                addParquet(bySubject, s);
            }
        }
        if (layout.format() == MmluLayout.Format.PARQUET) {
            // a per-subject folder whose split files hold no rows
            for (MmluLayout.Source s : sources) {
                if (s.subject() != null && !bySubject.containsKey(s.subject())) {
                    throw LandscapeException.of(s.file().getParent(), "no " + split + " rows: subject '" + s.subject()
                            + "' has no questions in this split");
                }
            }
            if (bySubject.isEmpty()) {
                throw LandscapeException.of(layout.splitLocation(split), "no " + split + " rows in "
                        + sources.stream().map(x -> x.file().getFileName().toString()).toList());
            }
        }
        return bySubject;
    }

    private static void addParquet(Map<String, List<Question>> bySubject, MmluLayout.Source s) {
        List<MmluParquet.Row> rows = MmluParquet.read(s.file());
        for (int i = 0; i < rows.size(); i++) {
            MmluParquet.Row r = rows.get(i);
            String subject = r.subject();
            if (s.subject() != null) {
                if (!subject.isBlank() && !subject.equals(s.subject())) {
                    throw LandscapeException.of(s.file(), "row " + i + " (counting from 0): subject '" + subject
                            + "' is not the subject of its folder, '" + s.subject() + "'");
                }
                subject = s.subject();
            } else if (subject.isBlank()) {
                throw LandscapeException.of(s.file(), "row " + i + " (counting from 0): subject is empty");
            }
            List<Question> list = bySubject.computeIfAbsent(subject, k -> new ArrayList<>());
            list.add(new Question(list.size(), subject, r.question(), r.choices(), LETTER[r.answer()]));
        }
    }

    static List<Question> readFile(Path file, String subject) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw LandscapeException.of(file, "not valid UTF-8 text (MMLU CSVs are UTF-8)");
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read: " + e.getMessage());
        }
        List<Question> out = new ArrayList<>();
        for (Csv.Record r : Csv.parse(file, text)) {
            List<String> f = r.fields();
            if (f.size() != 6) {
                throw LandscapeException.of(file, "line " + r.line() + ": expected 6 fields (question,A,B,C,D,answer), found "
                        + f.size());
            }
            String answer = f.get(5).strip();
            if (!LETTERS.contains(answer)) {
                throw LandscapeException.of(file, "line " + r.line() + ": answer '" + f.get(5) + "' is not one of A, B, C, D");
            }
            out.add(new Question(out.size(), subject, f.get(0), List.copyOf(f.subList(1, 5)), answer));
        }
        return out;
    }
}
