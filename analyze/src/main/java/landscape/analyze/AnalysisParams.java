package landscape.analyze;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters of one layer's analysis (the reference's defaults: maxk 1000, range_max 100, k 16, Z 1.6,
 * class_fraction 0.3).
 */
public record AnalysisParams(int maxk, int rangeMax, int k, double z, double classFraction, Knn.Target device,
                             long memoryBudget, boolean arrays, boolean dropNonfinite) {
    public static final long GIB = 1L << 30;

    public AnalysisParams {
        if (maxk < 1 || rangeMax < 2 || k < 1 || !(z > 0) || !(classFraction > 0) || memoryBudget < 1
                || !Double.isFinite(z) || !Double.isFinite(classFraction)) {
            throw new IllegalArgumentException("invalid analysis parameters");
        }
    }

    public static AnalysisParams defaults() {
        return new AnalysisParams(1000, 100, 16, 1.6, 0.3, Knn.Target.CPU, GIB, false, false);
    }

    public AnalysisParams withArrays(boolean on) {
        return new AnalysisParams(maxk, rangeMax, k, z, classFraction, device, memoryBudget, on, dropNonfinite);
    }

    public AnalysisParams withDropNonfinite(boolean on) {
        return new AnalysisParams(maxk, rangeMax, k, z, classFraction, device, memoryBudget, arrays, on);
    }

    /** Scale index of the ID used for the density: floor(log2(k)). */
    public int idScaleIndex() {
        return 31 - Integer.numberOfLeadingZeros(k);
    }

    /** The {@code params} object of stats.json (requested values; the effective maxk is a top-level field). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxk", maxk);
        m.put("range_max", rangeMax);
        m.put("k", k);
        m.put("z", z);
        m.put("class_fraction", classFraction);
        m.put("device", device.name().toLowerCase());
        m.put("memory_budget", memoryBudget);
        m.put("drop_nonfinite", dropNonfinite);
        return m;
    }
}
