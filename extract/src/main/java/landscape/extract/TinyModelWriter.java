package landscape.extract;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.cli.UsageError;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.extract.model.ModelConfig;

/**
 * Writes a random-weight Llama checkpoint in the Hugging Face layout: {@code config.json}, {@code model.safetensors},
 * {@code tokenizer.json} (byte-level BPE: the 256 bytes as ids 0..255, merges for " A".." D" as 256..259, BOS
 * {@code <|begin_of_text|>} = 260 added by the post-processor, EOS 261) and {@code tokenizer_config.json}.
 * Weights are Gaussian with std 1/sqrt(fan-in) (embeddings std 1, norms 1 + 0.1 N(0,1)), from a seeded generator.
 */
public final class TinyModelWriter {
    public static final int BOS = 260;
    public static final int EOS = 261;

    /** Shape of the random model; {@code dtype} is how the weights are stored (F32, F16 or BF16). */
    public record Spec(int layers, int hidden, int heads, int kvHeads, int intermediate, int vocab, double ropeTheta,
                       boolean tied, DType dtype) {
        public static Spec tiny() {
            return new Spec(2, 64, 4, 2, 128, 262, 500000.0, false, DType.F32);
        }
    }

    private TinyModelWriter() {
    }

    public static void write(Path dir, Spec s, long seed) {
        if (s.vocab() < 262) {
            throw new UsageError("--vocab: must be at least 262 (256 bytes, 4 merges, BOS, EOS)");
        }
        if (s.heads() <= 0 || s.hidden() % s.heads() != 0 || s.kvHeads() <= 0 || s.heads() % s.kvHeads() != 0
                || (s.hidden() / s.heads()) % 2 != 0) {
            throw new UsageError("--hidden/--heads/--kv-heads: need hidden % heads == 0, heads % kv-heads == 0 "
                    + "and an even head dim");
        }
        if (s.dtype() != DType.F32 && s.dtype() != DType.F16 && s.dtype() != DType.BF16) {
            throw new UsageError("--weights-dtype: F32, F16 or BF16");
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw LandscapeException.of(dir, "cannot create: " + e.getMessage());
        }
        ObjectNode cfg = Json.MAPPER.createObjectNode();
        cfg.putArray("architectures").add("LlamaForCausalLM");
        cfg.put("model_type", "llama");
        cfg.put("vocab_size", s.vocab());
        cfg.put("hidden_size", s.hidden());
        cfg.put("intermediate_size", s.intermediate());
        cfg.put("num_hidden_layers", s.layers());
        cfg.put("num_attention_heads", s.heads());
        cfg.put("num_key_value_heads", s.kvHeads());
        cfg.put("max_position_embeddings", 8192);
        cfg.put("rms_norm_eps", 1e-5);
        cfg.put("rope_theta", s.ropeTheta());
        cfg.put("tie_word_embeddings", s.tied());
        cfg.put("hidden_act", "silu");
        cfg.put("attention_bias", false);
        cfg.put("bos_token_id", BOS);
        cfg.put("eos_token_id", EOS);
        cfg.put("torch_dtype", switch (s.dtype()) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        Json.write(dir.resolve("config.json"), cfg);
        ModelConfig config = ModelConfig.read(dir);
        writeWeights(dir.resolve("model.safetensors"), config, s.dtype(), seed);
        Json.write(dir.resolve("tokenizer.json"), tokenizerJson());
        ObjectNode tc = Json.MAPPER.createObjectNode();
        tc.put("bos_token", "<|begin_of_text|>");
        tc.put("eos_token", "<|end_of_text|>");
        tc.put("add_bos_token", true);
        Json.write(dir.resolve("tokenizer_config.json"), tc);
    }

    private static void writeWeights(Path file, ModelConfig c, DType dtype, long seed) {
        Map<String, long[]> shapes = c.expectedTensors();
        Map<String, Safetensors.Spec> specs = new LinkedHashMap<>();
        shapes.forEach((k, v) -> specs.put(k, new Safetensors.Spec(dtype, v)));
        SplittableRandom root = new SplittableRandom(seed);
        try (Safetensors.Writer w = Safetensors.create(file, specs, Map.of("format", "pt"))) {
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                String name = e.getKey();
                long[] shape = e.getValue();
                SplittableRandom rnd = root.split();
                boolean norm = name.endsWith("norm.weight");
                double std = name.contains("embed_tokens") ? 1.0 : norm ? 0.1 : 1.0 / Math.sqrt(shape[shape.length - 1]);
                long rows = shape[0];
                long cols = shape.length > 1 ? shape[1] : 1;
                long rowsPerChunk = Math.max(1, (8L << 20) / (cols * dtype.size()));
                for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
                    int nr = (int) Math.min(rowsPerChunk, rows - r0);
                    int count = (int) (nr * cols);
                    ByteBuffer b = ByteBuffer.allocate(count * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < count; i++) {
                        double v = (norm ? 1.0 : 0.0) + std * rnd.nextGaussian();
                        dtype.putDouble(b, i, v);
                    }
                    if (shape.length == 1) {
                        w.write(name, 0, b);
                        break;
                    }
                    w.write(name, r0, b);
                }
            }
            w.commit();
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
