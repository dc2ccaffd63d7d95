package landscape.extract;

import java.nio.file.Path;
import landscape.core.cli.UsageError;
import landscape.extract.placement.PlacementOptions;

/**
 * Everything {@code landscape-extract run} needs, built with {@link #builder(Path, Path)}: the model and the output
 * folder, then the prompts (exactly one of {@link Builder#dataset} or {@link Builder#prompts}) and any option whose
 * default does not suit. {@link Builder#build()} checks the combination, so an {@code ExtractOptions} is always one
 * that can run. {@code modelId}, {@code adapter}, {@code limit}, {@code mask} and {@code layers} may be null.
 * {@code allowLongPrompts}: extract prompts longer than max_position_embeddings (with a warning) instead of refusing.
 */
public final class ExtractOptions {
    public static final long DEFAULT_BATCH_TOKENS = 4096;

    private final Path model;
    private final String modelId;
    private final Path adapter;
    private final Path dataset;
    private final String split;
    private final int shots;
    private final boolean shuffleShots;
    private final long seed;
    private final Path prompts;
    private final Integer limit;
    private final Path mask;
    private final String layers;
    private final long batchTokens;
    private final boolean batchTokensGiven;
    private final String device;
    private final String dtype;
    private final Path out;
    private final boolean progress;
    private final boolean allowLongPrompts;
    private final PlacementOptions placement;

    private ExtractOptions(Builder b) {
        model = b.model;
        modelId = b.modelId;
        adapter = b.adapter;
        dataset = b.dataset;
        split = b.split;
        shots = b.shots;
        shuffleShots = b.shuffleShots;
        seed = b.seed;
        prompts = b.prompts;
        limit = b.limit;
        mask = b.mask;
        layers = b.layers;
        batchTokens = b.batchTokens == null ? DEFAULT_BATCH_TOKENS : b.batchTokens;
        batchTokensGiven = b.batchTokens != null;
        device = b.device;
        dtype = b.dtype;
        out = b.out;
        progress = b.progress;
        allowLongPrompts = b.allowLongPrompts;
        placement = b.placement;
    }

    /** A run of {@code model} into {@code out}, on the CPU, auto dtype, every point, no progress output. */
    public static Builder builder(Path model, Path out) {
        return new Builder(model, out);
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder(model, out);
        b.modelId = modelId;
        b.adapter = adapter;
        b.dataset = dataset;
        b.split = split;
        b.shots = shots;
        b.shuffleShots = shuffleShots;
        b.seed = seed;
        b.prompts = prompts;
        b.limit = limit;
        b.mask = mask;
        b.layers = layers;
        b.batchTokens = batchTokensGiven ? batchTokens : null;
        b.device = device;
        b.dtype = dtype;
        b.progress = progress;
        b.allowLongPrompts = allowLongPrompts;
        b.placement = placement;
        return b;
    }

    /** The same run reading these folders (hub cache folders resolved to their snapshots: {@link HubInputs}). */
    ExtractOptions withInputs(Path modelDir, String id, Path adapterDir, Path datasetDir) {
        Builder b = toBuilder();
        b.model = modelDir;
        b.modelId = id;
        b.adapter = adapterDir;
        b.dataset = datasetDir;
        return b.build();
    }

    public Path model() {
        return model;
    }

    /** The name recorded in the manifest; null means the model's name (ModelLocation: folder or repository). */
    public String modelId() {
        return modelId;
    }

    public Path adapter() {
        return adapter;
    }

    /** The MMLU folder (Hendrycks CSVs or cais/mmlu parquet), or null for a {@link #prompts()} run. */
    public Path dataset() {
        return dataset;
    }

    public String split() {
        return split;
    }

    public int shots() {
        return shots;
    }

    public boolean shuffleShots() {
        return shuffleShots;
    }

    public long seed() {
        return seed;
    }

    /** The JSONL prompts file, or null for a {@link #dataset()} run. */
    public Path prompts() {
        return prompts;
    }

    public Integer limit() {
        return limit;
    }

    public Path mask() {
        return mask;
    }

    public String layers() {
        return layers;
    }

    /** {@code --batch-tokens}, else {@link #DEFAULT_BATCH_TOKENS} (see {@link #batchTokensGiven()}). */
    public long batchTokens() {
        return batchTokens;
    }

    /**
     * Whether {@code --batch-tokens} was given; if not, the run halves the default until the plan fits the devices
     * (the option trades memory for time, so its default fits the device).
     */
    public boolean batchTokensGiven() {
        return batchTokensGiven;
    }

    public String device() {
        return device;
    }

    public String dtype() {
        return dtype;
    }

    public Path out() {
        return out;
    }

    public boolean progress() {
        return progress;
    }

    public boolean allowLongPrompts() {
        return allowLongPrompts;
    }

    /** Devices, layer ranges, resident or streamed weights and the memory budgets ({@link PlacementOptions}). */
    public PlacementOptions placement() {
        return placement;
    }

    /** Options of {@code landscape-extract run}; each setter names the option it stands for. */
    public static final class Builder {
        private Path model;
        private final Path out;
        private String modelId;
        private Path adapter;
        private Path dataset;
        private String split;
        private int shots;
        private boolean shuffleShots;
        private long seed;
        private Path prompts;
        private Integer limit;
        private Path mask;
        private String layers;
        private Long batchTokens;
        private String device = "cpu";
        private String dtype = "auto";
        private boolean progress;
        private boolean allowLongPrompts;
        private PlacementOptions placement = PlacementOptions.DEFAULT;

        private Builder(Path model, Path out) {
            this.model = model;
            this.out = out;
        }

        /** {@code --dataset DIR --split S --shots K}: MMLU, Hendrycks CSVs or cais/mmlu parquet (MmluLayout). */
        public Builder dataset(Path dir, String split, int shots) {
            this.dataset = dir;
            this.split = split;
            this.shots = shots;
            return this;
        }

        /** {@code --shuffle-shots --seed S}: a seeded per-question order of the shots. */
        public Builder shuffleShots(boolean shuffle, long seed) {
            this.shuffleShots = shuffle;
            this.seed = seed;
            return this;
        }

        /** {@code --prompts FILE.jsonl}. */
        public Builder prompts(Path file) {
            this.prompts = file;
            return this;
        }

        /** {@code --model-id NAME}. */
        public Builder modelId(String id) {
            this.modelId = id;
            return this;
        }

        /** {@code --adapter DIR}: a PEFT LoRA adapter merged at load. */
        public Builder adapter(Path dir) {
            this.adapter = dir;
            return this;
        }

        /** {@code --limit N}: only the first N selected rows. */
        public Builder limit(Integer n) {
            this.limit = n;
            return this;
        }

        /** {@code --mask FILE.npy}: the rows to extract (a {@link landscape.core.run.RowMask}). */
        public Builder mask(Path file) {
            this.mask = file;
            return this;
        }

        /** {@code --layers SPEC}: the extraction points (null: all). */
        public Builder layers(String spec) {
            this.layers = spec;
            return this;
        }

        /** {@code --batch-tokens N}: padded tokens per batch. */
        public Builder batchTokens(long n) {
            this.batchTokens = n;
            return this;
        }

        /** {@code --device cpu|gpu}. */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        /** {@code --dtype auto|f32|f16}. */
        public Builder dtype(String dtype) {
            this.dtype = dtype;
            return this;
        }

        /** Progress on stderr ({@code --no-progress} turns it off on the command line). */
        public Builder progress(boolean on) {
            this.progress = on;
            return this;
        }

        /** {@code --allow-long-prompts}: prompts over max_position_embeddings are extracted, with a warning. */
        public Builder allowLongPrompts(boolean allow) {
            this.allowLongPrompts = allow;
            return this;
        }

        /**
         * {@code --devices}, {@code --placement}, {@code --layer-ranges}, {@code --device-memory},
         * {@code --pass-memory}, {@code --attention-memory}.
         */
        public Builder placement(PlacementOptions p) {
            this.placement = p == null ? PlacementOptions.DEFAULT : p;
            return this;
        }

        /** The options; a combination that cannot run is a {@link UsageError} naming the options. */
        public ExtractOptions build() {
            if (model == null) {
                throw new UsageError("--model is required");
            }
            if (out == null) {
                throw new UsageError("--out is required");
            }
            if (prompts != null && dataset != null) {
                throw new UsageError("--prompts and --dataset are mutually exclusive");
            }
            if (prompts == null && (dataset == null || split == null)) {
                throw new UsageError("give --dataset DIR --split S (or --prompts FILE.jsonl)");
            }
            if (limit != null && limit < 1) {
                throw new UsageError("--limit: must be at least 1, got " + limit);
            }
            if (batchTokens != null && batchTokens < 1) {
                throw new UsageError("--batch-tokens: must be positive");
            }
            placement.validate();
            return new ExtractOptions(this);
        }
    }
}
