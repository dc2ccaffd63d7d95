package landscape.extract;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import landscape.core.run.Manifest;

/** Micro, macro (mean over subjects) and per-subject accuracy, unconstrained and constrained to A-D. */
public final class AccuracyTally {
    private final Map<String, int[]> bySubject = new TreeMap<>();

    /** Counts one answered row; rows without an answer are ignored. */
    public void add(String subject, String answer, String prediction, String constrained) {
        if (answer == null || answer.isEmpty()) {
            return;
        }
        int[] c = bySubject.computeIfAbsent(subject == null ? "" : subject, s -> new int[3]);
        c[0]++;
        if (answer.equals(prediction)) {
            c[1]++;
        }
        if (answer.equals(constrained)) {
            c[2]++;
        }
    }

    /** Null when no row had an answer. */
    public Manifest.Accuracy result() {
        if (bySubject.isEmpty()) {
            return null;
        }
        long n = 0;
        long ok = 0;
        long okC = 0;
        double macro = 0;
        double macroC = 0;
        Map<String, Manifest.SubjectAccuracy> per = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : bySubject.entrySet()) {
            int[] c = e.getValue();
            n += c[0];
            ok += c[1];
            okC += c[2];
            double a = (double) c[1] / c[0];
            double ac = (double) c[2] / c[0];
            macro += a;
            macroC += ac;
            per.put(e.getKey(), new Manifest.SubjectAccuracy(c[0], a, ac));
        }
        int s = bySubject.size();
        return new Manifest.Accuracy((double) ok / n, macro / s, (double) okC / n, macroC / s, per);
    }
}
