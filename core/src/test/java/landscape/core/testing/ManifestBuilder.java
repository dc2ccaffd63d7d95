package landscape.core.testing;

import java.util.List;
import landscape.core.LandscapeVersion;
import landscape.core.run.Manifest;

/**
 * A {@link Manifest} for tests, with the defaults of a small Llama run ({@code tiny}, 1 layer, hidden 8, vocab 262,
 * 4 heads, 2 KV heads, intermediate 16, no family recorded (as older manifests); MMLU test split, 0 shots,
 * {@code mmlu-v1}, f32, this build's version) so a
 * test sets only what it is about. The model summary is made in one place, {@link #modelInfo()}: a field added to
 * {@link Manifest.ModelInfo} is added there and given a default here.
 */
public final class ManifestBuilder {
    private String modelId = "tiny";
    private String modelPath = "/m";
    private String architecture = "LlamaForCausalLM";
    private int numLayers = 1;
    private int hiddenSize = 8;
    private int vocabSize = 262;
    private int numHeads = 4;
    private int numKvHeads = 2;
    private int intermediateSize = 16;
    private String family;
    private String adapter;
    private String dataset = "mmlu";
    private String split = "test";
    private int shots;
    private String promptTemplate = "mmlu-v1";
    private Integer limit;
    private String mask;
    private String computeDtype = "f32";
    private Integer rows;
    private String created = "2026-11-26T00:00:00Z";
    private String toolVersion = LandscapeVersion.get();
    private Manifest.Accuracy accuracy;
    private List<Manifest.Point> points = List.of();

    private ManifestBuilder() {
    }

    public static ManifestBuilder manifest() {
        return new ManifestBuilder();
    }

    /** The model's name ({@code model.id}, used in paths and figures). */
    public ManifestBuilder model(String id) {
        this.modelId = id;
        return this;
    }

    public ManifestBuilder modelPath(String path) {
        this.modelPath = path;
        return this;
    }

    public ManifestBuilder architecture(String name) {
        this.architecture = name;
        return this;
    }

    /** {@code num_layers} (L: extraction points 0..L-1 are blocks, L is model.norm, L+1 lm_head). */
    public ManifestBuilder layers(int n) {
        this.numLayers = n;
        return this;
    }

    public ManifestBuilder hidden(int size) {
        this.hiddenSize = size;
        return this;
    }

    public ManifestBuilder vocab(int size) {
        this.vocabSize = size;
        return this;
    }

    public ManifestBuilder heads(int attention, int keyValue) {
        this.numHeads = attention;
        this.numKvHeads = keyValue;
        return this;
    }

    public ManifestBuilder intermediate(int size) {
        this.intermediateSize = size;
        return this;
    }

    /** {@code model.family} ("llama", "qwen3", ...); null by default, as in manifests written before it existed. */
    public ManifestBuilder family(String family) {
        this.family = family;
        return this;
    }

    public ManifestBuilder adapter(String path) {
        this.adapter = path;
        return this;
    }

    public ManifestBuilder dataset(String dataset) {
        this.dataset = dataset;
        return this;
    }

    public ManifestBuilder split(String split) {
        this.split = split;
        return this;
    }

    public ManifestBuilder shots(int shots) {
        this.shots = shots;
        return this;
    }

    public ManifestBuilder promptTemplate(String template) {
        this.promptTemplate = template;
        return this;
    }

    public ManifestBuilder limit(Integer limit) {
        this.limit = limit;
        return this;
    }

    public ManifestBuilder mask(String path) {
        this.mask = path;
        return this;
    }

    public ManifestBuilder computeDtype(String dtype) {
        this.computeDtype = dtype;
        return this;
    }

    /** The number of prompts; by default the rows of the first point (0 without points). */
    public ManifestBuilder rows(int rows) {
        this.rows = rows;
        return this;
    }

    public ManifestBuilder created(String isoTime) {
        this.created = isoTime;
        return this;
    }

    public ManifestBuilder toolVersion(String version) {
        this.toolVersion = version;
        return this;
    }

    public ManifestBuilder accuracy(Manifest.Accuracy accuracy) {
        this.accuracy = accuracy;
        return this;
    }

    public ManifestBuilder points(List<Manifest.Point> points) {
        this.points = List.copyOf(points);
        return this;
    }

    /** The model summary: the one place a {@link Manifest.ModelInfo} is made for tests. */
    public Manifest.ModelInfo modelInfo() {
        return new Manifest.ModelInfo(modelId, modelPath, architecture, numLayers, hiddenSize, vocabSize, numHeads,
                numKvHeads, intermediateSize, family);
    }

    public Manifest build() {
        int n = rows != null ? rows : points.isEmpty() ? 0 : points.get(0).rows();
        return new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, modelInfo(), adapter, dataset, split, shots,
                promptTemplate, limit, mask, computeDtype, n, created, toolVersion, accuracy, points);
    }
}
