package landscape.extract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups prompts into right-padded batches: sorted by length (longest first, so the first batch shows the peak
 * memory), each batch filled while {@code rows x longest length <= tokenBudget} (a prompt longer than the budget
 * runs alone).
 */
public final class BatchPlan {
    private BatchPlan() {
    }

    /** One batch: the item indices it holds (in batch order) and its padded length. */
    public record Batch(int[] items, int length) {
        public long paddedTokens() {
            return (long) items.length * length;
        }
    }

    public static List<Batch> plan(int[] lengths, long tokenBudget) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> lengths[i]).reversed().thenComparingInt(i -> i));
        List<Batch> out = new ArrayList<>();
        int i = 0;
        while (i < order.length) {
            int len = lengths[order[i]];
            int rows = (int) Math.max(1, Math.min(Integer.MAX_VALUE, tokenBudget / Math.max(1, len)));
            int n = Math.min(rows, order.length - i);
            int[] items = new int[n];
            for (int k = 0; k < n; k++) {
                items[k] = order[i + k];
            }
            out.add(new Batch(items, len));
            i += n;
        }
        return out;
    }
}
