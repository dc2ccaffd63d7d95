package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;

/**
 * A PEFT LoRA adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors}). Each targeted
 * projection {@code W [out, in]} becomes {@code W + scale * B A} with {@code A [r, in]}, {@code B [out, r]} and
 * {@code scale = lora_alpha / r} ({@code lora_alpha / sqrt(r)} with {@code use_rslora}). The projections are the
 * family's PEFT module names ({@link ModelConfig#projectionModules()}): Phi-3's fused {@code qkv_proj} and
 * {@code gate_up_proj} are merged whole, before they are split.
 */
public final class LoraAdapter {
    private final Path dir;
    private final int rank;
    private final double alpha;
    private final double scale;
    private final List<String> targetModules;
    /** base weight name -> {A, B} as float32 values with shapes. */
    private final Map<String, Tensor[]> pairs;

    private LoraAdapter(Path dir, int rank, double alpha, double scale, List<String> targetModules,
                        Map<String, Tensor[]> pairs) {
        this.dir = dir;
        this.rank = rank;
        this.alpha = alpha;
        this.scale = scale;
        this.targetModules = targetModules;
        this.pairs = pairs;
    }

    public Path dir() {
        return dir;
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public double scale() {
        return scale;
    }

    public List<String> targetModules() {
        return targetModules;
    }

    public Set<String> targetedWeights() {
        return pairs.keySet();
    }

    /** One-line description for the manifest. */
    public String describe() {
        return dir.toAbsolutePath().normalize() + " (lora r=" + rank + " alpha=" + alpha + " scale=" + scale
                + " targets=" + String.join("+", targetModules) + " tensors=" + pairs.size() + ")";
    }

    public static LoraAdapter read(Path dir, ModelConfig config) {
        Path cfgFile = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(cfgFile)) {
            throw LandscapeException.of(dir, "not a PEFT adapter directory (no adapter_config.json)");
        }
        JsonNode cfg;
        try {
            cfg = Json.MAPPER.readTree(cfgFile.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(cfgFile, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
        String type = cfg.path("peft_type").asText("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw LandscapeException.of(cfgFile, "peft_type " + type + " is not supported (LORA only)");
        }
        if (cfg.path("use_dora").asBoolean(false)) {
            throw LandscapeException.of(cfgFile, "DoRA adapters are not supported");
        }
        if (cfg.path("fan_in_fan_out").asBoolean(false)) {
            throw LandscapeException.of(cfgFile, "fan_in_fan_out adapters are not supported");
        }
        if (cfg.path("rank_pattern").size() > 0 || cfg.path("alpha_pattern").size() > 0) {
            throw LandscapeException.of(cfgFile, "rank_pattern/alpha_pattern are not supported");
        }
        int r = cfg.path("r").asInt(0);
        if (r <= 0) {
            throw LandscapeException.of(cfgFile, "r must be a positive integer");
        }
        // PEFT's LoraConfig default when the key is absent (8), not r
        double alpha = cfg.hasNonNull("lora_alpha") ? cfg.get("lora_alpha").asDouble() : 8;
        double scale = cfg.path("use_rslora").asBoolean(false) ? alpha / Math.sqrt(r) : alpha / r;
        List<String> targets = new ArrayList<>();
        JsonNode tm = cfg.get("target_modules");
        if (tm == null || tm.isNull()) {
            throw LandscapeException.of(cfgFile, "missing target_modules");
        }
        if (tm.isArray()) {
            tm.forEach(n -> targets.add(n.asText()));
        } else {
            targets.add(tm.asText());
        }
        List<String> modules = config.projectionModules();
        for (String t : targets) {
            if (!modules.contains(t)) {
                throw LandscapeException.of(cfgFile, "target module '" + t + "' is not supported for "
                        + config.architecture() + " (among " + String.join(", ", modules) + ")");
            }
        }
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(weights)) {
            throw LandscapeException.of(dir, "no adapter_model.safetensors");
        }
        Map<String, Tensor> a = new LinkedHashMap<>();
        Map<String, Tensor> b = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        try (Safetensors.Reader reader = Safetensors.open(weights)) {
            for (String key : reader.entries().keySet()) {
                String k = key.replace(".default.weight", ".weight");
                boolean isA = k.endsWith(".lora_A.weight");
                boolean isB = k.endsWith(".lora_B.weight");
                if (!isA && !isB) {
                    problems.add("unexpected tensor " + key);
                    continue;
                }
                String module = k.substring(0, k.length() - ".lora_A.weight".length());
                String base = module.startsWith("base_model.model.") ? module.substring("base_model.model.".length())
                        : module;
                String baseWeight = base + ".weight";
                Tensor t = copyToHeap(reader.get(key));
                (isA ? a : b).put(baseWeight, t);
            }
        }
        Map<String, long[]> expected = config.expectedTensors();
        Map<String, Tensor[]> pairs = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>(a.keySet());
        names.addAll(b.keySet());
        for (String w : names) {
            Tensor ta = a.get(w);
            Tensor tb = b.get(w);
            long[] ws = expected.get(w);
            String moduleName = w.substring(0, w.length() - ".weight".length());
            String leaf = moduleName.substring(moduleName.lastIndexOf('.') + 1);
            if (ws == null || !modules.contains(leaf)) {
                problems.add("adapter tensor for '" + w + "' targets no projection of the model");
            } else if (ta == null || tb == null) {
                problems.add("'" + w + "' lacks lora_" + (ta == null ? "A" : "B"));
            } else {
                long[] sa = ta.shape();
                long[] sb = tb.shape();
                if (!Arrays.equals(sa, new long[] {r, ws[1]}) || !Arrays.equals(sb, new long[] {ws[0], r})) {
                    problems.add("'" + w + "' has lora_A " + Arrays.toString(sa) + " / lora_B " + Arrays.toString(sb)
                            + ", expected [" + r + ", " + ws[1] + "] / [" + ws[0] + ", " + r + "]");
                } else {
                    pairs.put(w, new Tensor[] {ta, tb});
                }
            }
        }
        if (pairs.isEmpty() && problems.isEmpty()) {
            problems.add("no lora_A/lora_B tensors");
        }
        if (!problems.isEmpty()) {
            throw LandscapeException.of(weights, String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? "; ... (" + (problems.size() - 8) + " more)" : ""));
        }
        return new LoraAdapter(dir, r, alpha, scale, List.copyOf(targets), pairs);
    }

    private static Tensor copyToHeap(Tensor t) {
        float[] v = t.toFloatArray();
        return Tensor.ofDoubles(landscape.core.format.DType.F32, t.shape(), toDoubles(v));
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    public boolean targets(String weightName) {
        return pairs.containsKey(weightName);
    }

    /** {@code W + scale * B A}, computed in float32, returned in W's dtype and device. */
    public NDArray merge(String weightName, NDArray w, NDManager manager) {
        Tensor[] ab = pairs.get(weightName);
        try (NDManager tmp = manager.newSubManager(w.getDevice())) {
            NDArray a = tmp.create(ab[0].toFloatArray(), new Shape(ab[0].shape()));
            NDArray b = tmp.create(ab[1].toFloatArray(), new Shape(ab[1].shape()));
            NDArray w32 = w.toType(DataType.FLOAT32, true);
            w32.attach(tmp);
            NDArray merged = w32.add(b.matMul(a).mul((float) scale)).toType(w.getDataType(), false);
            merged.attach(manager);
            return merged;
        }
    }
}
