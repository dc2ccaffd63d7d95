package landscape.extract.placement;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import landscape.core.Json;
import landscape.core.Sizes;
import landscape.extract.model.Placement;

/**
 * A placement with the memory each device needs for it ({@link Planner}); printed by {@code landscape-extract plan}
 * as a table or as JSON.
 *
 * @param passBytes    residual streams of one pass (resident: one batch)
 * @param totalWeights every weight once, in the compute dtype
 */
public record Plan(Placement placement, long passBytes, List<Planner.Use> uses, Planner.Workload workload,
                   DataType type, long totalWeights) {

    public boolean fits() {
        return uses.stream().allMatch(Planner.Use::fits);
    }

    public long maxTotal() {
        return uses.stream().mapToLong(Planner.Use::total).max().orElse(0);
    }

    /** Number of GPUs the placement uses. */
    public int gpus() {
        return (int) uses.stream().filter(u -> u.device().gpu()).count();
    }

    /** "0-39,40-79". */
    public String rangesText() {
        StringBuilder sb = new StringBuilder();
        for (Planner.Use u : uses) {
            sb.append(sb.length() == 0 ? "" : ",").append(u.from()).append('-').append(u.to());
        }
        return sb.toString();
    }

    /** The table {@code plan} prints (the model line comes from the caller). */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "placement %s, compute %s, batches of up to %d tokens (longest prompt %d),"
                        + " attention block <= %s, pass residual streams %s%n", placement.mode().label(),
                type == DataType.FLOAT16 ? "f16" : "f32", workload.batchTokens(), workload.maxLength(),
                Sizes.format(placement.attentionBytes()), Sizes.format(passBytes)));
        sb.append(String.format(Locale.ROOT, "%-8s %-9s %-6s %-8s %11s %11s %11s %11s %11s %11s%n", "device", "layers",
                "embed", "lm_head", "weights", "activations", "residuals", "overhead", "total", "memory"));
        for (Planner.Use u : uses) {
            sb.append(String.format(Locale.ROOT, "%-8s %-9s %-6s %-8s %11s %11s %11s %11s %11s %11s%s%n",
                    u.device().label(), u.from() + "-" + u.to(), u.embedding() ? "yes" : "-", u.lmHead() ? "yes" : "-",
                    Sizes.format(u.weights()), Sizes.format(u.activations()), Sizes.format(u.residuals()),
                    Sizes.format(u.overhead()), Sizes.format(u.total()), Sizes.format(u.capacity()),
                    u.fits() ? "" : "  DOES NOT FIT"));
        }
        return sb.toString();
    }

    /** The plan as JSON (devices, ranges, bytes), for scripts and the pipeline. */
    public ObjectNode json() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("fits", fits());
        o.put("placement", placement.mode().label());
        o.put("dtype", type == DataType.FLOAT16 ? "f16" : "f32");
        o.put("gpus", gpus());
        o.put("devices_used", uses.size());
        o.put("batch_tokens", workload.batchTokens());
        o.put("max_length", workload.maxLength());
        o.put("attention_bytes", placement.attentionBytes());
        o.put("pass_bytes", passBytes);
        o.put("weights_bytes", totalWeights);
        o.put("layer_ranges", rangesText());
        ArrayNode ds = o.putArray("devices");
        for (Planner.Use u : uses) {
            ObjectNode d = ds.addObject();
            d.put("device", u.device().label());
            d.put("first_layer", u.from());
            d.put("last_layer", u.to());
            d.put("embedding", u.embedding());
            d.put("lm_head", u.lmHead());
            d.put("weights_bytes", u.weights());
            d.put("activations_bytes", u.activations());
            d.put("residuals_bytes", u.residuals());
            d.put("overhead_bytes", u.overhead());
            d.put("total_bytes", u.total());
            d.put("memory_bytes", u.capacity());
            d.put("fits", u.fits());
        }
        return o;
    }
}
