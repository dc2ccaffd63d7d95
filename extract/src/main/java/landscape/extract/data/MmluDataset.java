package landscape.extract.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.run.Csv;

/**
 * MMLU in the original Hendrycks layout: {@code DIR/<split>/<subject>_<split>.csv}, no header, fields
 * question,A,B,C,D,answer. Subjects are ordered alphabetically and rows keep file order, which is the order of
 * Hugging Face {@code cais/mmlu} "all".
 */
public final class MmluDataset {
    public static final Set<String> LETTERS = Set.of("A", "B", "C", "D");

    private MmluDataset() {
    }

    /** All questions of a split, subject by subject (alphabetical), each in file order; index = position. */
    public static List<Question> load(Path dir, String split) {
        Map<String, Path> files = subjectFiles(dir, split);
        List<Question> out = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            for (Question q : readFile(e.getValue(), e.getKey(), out.size())) {
                out.add(q);
            }
        }
        return out;
    }

    /** Questions grouped by subject (used for the dev shots). */
    public static Map<String, List<Question>> bySubject(Path dir, String split) {
        Map<String, List<Question>> m = new TreeMap<>();
        for (Map.Entry<String, Path> e : subjectFiles(dir, split).entrySet()) {
            m.put(e.getKey(), readFile(e.getValue(), e.getKey(), 0));
        }
        return m;
    }

    static Map<String, Path> subjectFiles(Path dir, String split) {
        Path folder = dir.resolve(split);
        if (!Files.isDirectory(folder)) {
            throw LandscapeException.of(folder, "no such split folder (expected the Hendrycks layout DIR/" + split
                    + "/<subject>_" + split + ".csv)");
        }
        String suffix = "_" + split + ".csv";
        Map<String, Path> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .forEach(p -> {
                        String name = p.getFileName().toString();
                        files.put(name.substring(0, name.length() - suffix.length()), p);
                    });
        } catch (IOException e) {
            throw LandscapeException.of(folder, "cannot list: " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw LandscapeException.of(folder, "no <subject>" + suffix + " files");
        }
        return files;
    }

    static List<Question> readFile(Path file, String subject, long firstIndex) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
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
            out.add(new Question(firstIndex + out.size(), subject, f.get(0), List.copyOf(f.subList(1, 5)), answer));
        }
        return out;
    }
}
