package landscape.analyze;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import landscape.core.cli.UsageError;
import landscape.core.run.RowMask;

/**
 * Which rows of the layer to analyse, in analysis order: all, those of a mask .npy ({@link RowMask}, ascending), or a
 * seeded per-subject balanced subset (ascending).
 */
public sealed interface MaskSpec {
    /** Row indices into the layer, in analysis order; {@code null} means all rows. */
    int[] rows(int nRows, List<String> subjects);

    /** How the mask is described in stats.json params. */
    String describe();

    record All() implements MaskSpec {
        @Override
        public int[] rows(int nRows, List<String> subjects) {
            return null;
        }

        @Override
        public String describe() {
            return null;
        }
    }

    /** Row indices from a .npy file: the one mask rule of both stages ({@link RowMask}: a set, applied ascending). */
    record File(RowMask mask) implements MaskSpec {
        public File(Path file) {
            this(new RowMask(file));
        }

        @Override
        public int[] rows(int nRows, List<String> subjects) {
            return mask.rows(nRows);
        }

        /** The mask's real path: a Nextflow task sees it as a staged link whose name alone identifies nothing. */
        @Override
        public String describe() {
            return mask.recordedPath();
        }
    }

    /**
     * At most {@code perSubject} rows per subject: subjects with more rows keep a random subset drawn with
     * {@code java.util.Random(seed)} (a shuffle of the subject's rows, first N taken); the result is in row order.
     */
    record Balanced(int perSubject, long seed) implements MaskSpec {
        @Override
        public int[] rows(int nRows, List<String> subjects) {
            if (perSubject < 1) {
                throw new UsageError("--balanced: need at least 1 row per subject, got " + perSubject);
            }
            Map<String, List<Integer>> bySubject = new LinkedHashMap<>();
            for (int i = 0; i < subjects.size(); i++) {
                bySubject.computeIfAbsent(subjects.get(i), s -> new ArrayList<>()).add(i);
            }
            Random rng = new Random(seed);
            List<Integer> keep = new ArrayList<>();
            for (List<Integer> rowsOf : bySubject.values()) {
                if (rowsOf.size() > perSubject) {
                    List<Integer> shuffled = new ArrayList<>(rowsOf);
                    Collections.shuffle(shuffled, rng);
                    keep.addAll(shuffled.subList(0, perSubject));
                } else {
                    keep.addAll(rowsOf);
                }
            }
            Collections.sort(keep);
            return keep.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public String describe() {
            return "balanced " + perSubject + " per subject, seed " + seed;
        }
    }
}
