package landscape.extract;

import java.util.TreeSet;
import java.util.SortedSet;
import landscape.core.cli.UsageError;

/** {@code --layers} like {@code 0-3,33}: extraction point indices in 0..L+1; null or "all" means every point. */
public final class LayerSpec {
    private LayerSpec() {
    }

    public static SortedSet<Integer> parse(String spec, int numLayers) {
        int max = numLayers + 1;
        TreeSet<Integer> out = new TreeSet<>();
        if (spec == null || spec.isBlank() || spec.equals("all")) {
            for (int i = 0; i <= max; i++) {
                out.add(i);
            }
            return out;
        }
        for (String part : spec.split(",")) {
            String p = part.strip();
            try {
                int dash = p.indexOf('-', 1);
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
                if (from < 0 || to > max || from > to) {
                    throw new UsageError("--layers: '" + p + "' is outside 0.." + max + " (L=" + numLayers
                            + ": 0..L-1 layers, L model.norm, L+1 lm_head)");
                }
                for (int i = from; i <= to; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                throw new UsageError("--layers: cannot parse '" + p + "' (expected e.g. 0-3,33)");
            }
        }
        return out;
    }
}
