package landscape.analyze;

import java.util.HashMap;
import java.util.Map;

/**
 * Class-balanced label overlap (DADApy {@code return_label_overlap} with {@code class_fraction}): for each point,
 * the fraction of its k_c nearest neighbours (self excluded) that share its label, where
 * {@code k_c = max(1, int(class_fraction * size of the point's class))}; averaged with weights 1 / class size.
 */
public final class LabelOverlap {
    private LabelOverlap() {
    }

    public static double overlap(Neighbours nn, int[] labels, double classFraction) {
        int n = nn.rows();
        if (labels.length != n) {
            throw new IllegalArgumentException(labels.length + " labels for " + n + " points");
        }
        Map<Integer, Integer> counts = new HashMap<>();
        for (int l : labels) {
            counts.merge(l, 1, Integer::sum);
        }
        double weighted = 0;
        double weights = 0;
        for (int i = 0; i < n; i++) {
            int size = counts.get(labels[i]);
            int kc = Math.max(1, (int) (size * classFraction));
            int reach = Math.min(kc, nn.maxk());
            int same = 0;
            for (int c = 1; c <= reach; c++) {
                if (labels[nn.index(i, c)] == labels[i]) {
                    same++;
                }
            }
            double w = 1.0 / size;
            weighted += w * ((double) same / kc);
            weights += w;
        }
        return weighted / weights;
    }
}
