package landscape.extract;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.cli.UsageError;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import landscape.extract.model.ModelConfig;

/**
 * Writes a random-weight checkpoint in the Hugging Face layout ({@code landscape-extract make-model}):
 * {@code config.json}, the weights ({@code model.safetensors}, or {@code model-0000k-of-0000n.safetensors} shards with
 * {@code model.safetensors.index.json}), {@code tokenizer.json} (byte-level BPE: the 256 bytes as ids 0..255, merges
 * for " A".." D" as 256..259, BOS {@code <|begin_of_text|>} = 260 added by the post-processor, EOS 261) and
 * {@code tokenizer_config.json}. The configuration is a small Llama ({@link Spec}), a preset with the exact
 * {@code config.json} of a public model ({@link #preset}: Llama-2/3, Mistral), or any supported config. Weights are
 * Gaussian with std 1/sqrt(fan-in) (embeddings std 1, norms 1 + 0.1 N(0,1)), from a seeded generator (one split per
 * tensor, in {@link ModelConfig#expectedTensors()} order, so the values do not depend on the sharding), written in
 * 8 MB row blocks straight into preallocated files: the model is never held in memory. With {@code empty} the
 * files hold the headers and sparse zeros (for {@code plan}).
 */
public final class ModelWriter {
    public static final int BOS = 260;
    public static final int EOS = 261;
    /** The presets of {@link #preset}. */
    public static final List<String> PRESETS = List.of("llama-3-8b", "llama-3.1-8b", "llama-3-70b", "llama-2-7b",
            "llama-2-13b", "llama-2-70b", "mistral-7b");

    /** Shape of a small random Llama; {@code dtype} is how the weights are stored (F32, F16 or BF16). */
    public record Spec(int layers, int hidden, int heads, int kvHeads, int intermediate, int vocab, double ropeTheta,
                       boolean tied, DType dtype) {
        public static Spec tiny() {
            return new Spec(2, 64, 4, 2, 128, 262, 500000.0, false, DType.F32);
        }

        /** The config.json of this shape. */
        public ObjectNode config() {
            if (vocab < 262) {
                throw new UsageError("--vocab: must be at least 262 (256 bytes, 4 merges, BOS, EOS)");
            }
            if (heads <= 0 || hidden % heads != 0 || kvHeads <= 0 || heads % kvHeads != 0 || (hidden / heads) % 2 != 0) {
                throw new UsageError("--hidden/--heads/--kv-heads: need hidden % heads == 0, heads % kv-heads == 0 "
                        + "and an even head dim");
            }
            ObjectNode cfg = Json.MAPPER.createObjectNode();
            cfg.putArray("architectures").add("LlamaForCausalLM");
            cfg.put("model_type", "llama");
            cfg.put("vocab_size", vocab);
            cfg.put("hidden_size", hidden);
            cfg.put("intermediate_size", intermediate);
            cfg.put("num_hidden_layers", layers);
            cfg.put("num_attention_heads", heads);
            cfg.put("num_key_value_heads", kvHeads);
            cfg.put("max_position_embeddings", 8192);
            cfg.put("rms_norm_eps", 1e-5);
            cfg.put("rope_theta", ropeTheta);
            cfg.put("tie_word_embeddings", tied);
            cfg.put("hidden_act", "silu");
            cfg.put("attention_bias", false);
            return cfg;
        }
    }

    private ModelWriter() {
    }

    /** A small random Llama in one {@code model.safetensors}. */
    public static void write(Path dir, Spec s, long seed) {
        write(dir, s.config(), s.dtype(), seed, 1, false);
    }

    /** The config.json of a public model ({@link #PRESETS}), as published. */
    public static ObjectNode preset(String name) {
        if (!PRESETS.contains(name)) {
            throw new UsageError("--like: expected one of " + String.join(", ", PRESETS) + ", got '" + name + "'");
        }
        try (InputStream in = ModelWriter.class.getResourceAsStream("presets/" + name + ".json")) {
            return (ObjectNode) Json.MAPPER.readTree(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("preset " + name + " is missing from the jar", e);
        }
    }

    /** The dtype a config says it was saved in ({@code torch_dtype}/{@code dtype}), or null. */
    public static DType savedDtype(ObjectNode config) {
        String t = config.path("torch_dtype").asText(config.path("dtype").asText(""));
        return switch (t) {
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            case "float32" -> DType.F32;
            default -> null;
        };
    }

    /**
     * Writes a checkpoint of {@code config} (any supported family; bos/eos ids and torch_dtype are set to match the
     * files written) into {@code dir} with weights stored as {@code dtype} in {@code shards} files.
     */
    public static void write(Path dir, ObjectNode config, DType dtype, long seed, int shards, boolean empty) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new UsageError("--weights-dtype: F32, F16 or BF16");
        }
        if (shards < 1) {
            throw new UsageError("--shards: must be at least 1, got " + shards);
        }
        ObjectNode cfg = config.deepCopy();
        if (cfg.path("vocab_size").asInt(0) < 262) {
            throw new UsageError("--vocab: must be at least 262 (256 bytes, 4 merges, BOS, EOS)");
        }
        cfg.put("bos_token_id", BOS);
        cfg.put("eos_token_id", EOS);
        cfg.put("torch_dtype", switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        // checked before anything is written, so a config the model cannot run leaves no folder behind
        ModelConfig c = ModelConfig.parse(dir.resolve("config.json"), cfg);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot create: " + e.getMessage());
        }
        Json.write(dir.resolve("config.json"), cfg);
        writeWeights(dir, c, dtype, seed, shards, empty);
        Json.write(dir.resolve("tokenizer.json"), tokenizerJson());
        ObjectNode tc = Json.MAPPER.createObjectNode();
        tc.put("bos_token", "<|begin_of_text|>");
        tc.put("eos_token", "<|end_of_text|>");
        tc.put("add_bos_token", true);
        Json.write(dir.resolve("tokenizer_config.json"), tc);
    }

    /**
     * The tensors in load order, cut into {@code shards} files of about equal size (a tensor goes to the shard where
     * its first byte falls; empty shards are dropped), as Hugging Face names them.
     */
    private static void writeWeights(Path dir, ModelConfig c, DType dtype, long seed, int shards, boolean empty) {
        Map<String, long[]> shapes = c.expectedTensors();
        long total = 0;
        for (long[] s : shapes.values()) {
            total += Tensor.numel(s) * dtype.size();
        }
        List<Map<String, Safetensors.Spec>> files = new ArrayList<>();
        for (int k = 0; k < shards; k++) {
            files.add(new LinkedHashMap<>());
        }
        long at = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            int k = (int) Math.min(shards - 1, (long) ((double) at / total * shards));
            files.get(k).put(e.getKey(), new Safetensors.Spec(dtype, e.getValue()));
            at += Tensor.numel(e.getValue()) * dtype.size();
        }
        files.removeIf(Map::isEmpty);
        int n = files.size();
        Map<String, String> weightMap = new LinkedHashMap<>();
        SplittableRandom root = new SplittableRandom(seed);
        for (int k = 0; k < n; k++) {
            String name = n == 1 ? Checkpoint.SINGLE : String.format("model-%05d-of-%05d.safetensors", k + 1, n);
            try (Safetensors.Writer w = Safetensors.create(dir.resolve(name), files.get(k), Map.of("format", "pt"))) {
                for (Map.Entry<String, Safetensors.Spec> e : files.get(k).entrySet()) {
                    SplittableRandom rnd = root.split();
                    if (!empty) {
                        fill(w, e.getKey(), e.getValue().shape(), dtype, rnd);
                    }
                    weightMap.put(e.getKey(), name);
                }
                w.commit();
            }
        }
        if (n > 1) {
            ObjectNode index = Json.MAPPER.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Json.write(dir.resolve(Checkpoint.INDEX), index);
        }
    }

    /** Random values of one tensor, written in row blocks of about 8 MB. */
    private static void fill(Safetensors.Writer w, String name, long[] shape, DType dtype, SplittableRandom rnd) {
        boolean norm = name.endsWith("norm.weight");
        double std = name.contains("embed_tokens") ? 1.0 : norm ? 0.1 : 1.0 / Math.sqrt(shape[shape.length - 1]);
        long rows = shape[0];
        long cols = shape.length > 1 ? shape[1] : 1;
        if (shape.length == 1) {
            cols = rows;
            rows = 1;
        }
        long rowsPerChunk = Math.max(1, (8L << 20) / (cols * dtype.size()));
        for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
            int nr = (int) Math.min(rowsPerChunk, rows - r0);
            int count = (int) (nr * cols);
            ByteBuffer b = ByteBuffer.allocate(count * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                double v = (norm ? 1.0 : 0.0) + std * rnd.nextGaussian();
                dtype.putDouble(b, i, v);
            }
            w.write(name, shape.length == 1 ? 0 : r0, b);
        }
    }

    /** GPT-2's byte-to-unicode table: printable bytes map to themselves, the others to U+0100 onwards. */
    static char[] byteChars() {
        char[] m = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            m[b] = printable ? (char) b : (char) next++;
        }
        return m;
    }

    static ObjectNode tokenizerJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        addedToken(added, BOS, "<|begin_of_text|>");
        addedToken(added, EOS, "<|end_of_text|>");
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = post.putObject("special_tokens").putObject("<|begin_of_text|>");
        st.put("id", "<|begin_of_text|>");
        st.putArray("ids").add(BOS);
        st.putArray("tokens").add("<|begin_of_text|>");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        char[] bc = byteChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(bc[b]), b);
        }
        String space = String.valueOf(bc[' ']);
        String[] letters = {"A", "B", "C", "D"};
        ArrayNode merges = model.putArray("merges");
        for (int i = 0; i < 4; i++) {
            vocab.put(space + letters[i], 256 + i);
            merges.add(space + " " + letters[i]);
        }
        return root;
    }

    private static void addedToken(ArrayNode added, int id, String content) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
    }
}
