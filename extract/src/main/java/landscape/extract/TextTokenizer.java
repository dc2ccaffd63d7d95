package landscape.extract;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * The checkpoint's {@code tokenizer.json} through DJL's Hugging Face tokenizer: special tokens added (BOS for
 * Llama), no truncation, no padding.
 */
public final class TextTokenizer implements AutoCloseable {
    /** Tokenizer classes whose special tokens Hugging Face takes from tokenizer_config.json, not tokenizer.json. */
    static final Set<String> LLAMA_CLASSES = Set.of("LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer",
            "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast");

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    /** Ids put before/after the text instead of tokenizer.json's post-processor; null to use the post-processor. */
    private long[] prefix;
    private long[] suffix;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    public static TextTokenizer open(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw LandscapeException.of(modelDir, "no tokenizer.json");
        }
        checkJson(file);
        TextTokenizer tt;
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "truncation", "false", "padding", "false", "addSpecialTokens", "true", "maxLength", "-1"));
            tt = new TextTokenizer(t, file);
        } catch (IOException | RuntimeException e) {
            throw LandscapeException.of(file, "cannot load tokenizer: " + e.getMessage());
        }
        try {
            tt.applyTokenizerConfig(modelDir.resolve("tokenizer_config.json"));
        } catch (RuntimeException e) {
            tt.close();
            throw e;
        }
        return tt;
    }

    /**
     * Reads {@code file} through once as JSON (streaming, no tree): the Rust tokenizer panics, aborting the JVM, on
     * some truncated files (a partial download cut inside the decoder), so malformed JSON is refused here first.
     */
    private static void checkJson(Path file) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(file.toFile())) {
            while (p.nextToken() != null) {
                p.skipChildren();
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw LandscapeException.of(file, "not valid JSON (a truncated or corrupt download?): "
                    + Json.oneLine(e.getOriginalMessage())
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (IOException e) {
            throw LandscapeException.io(file, "cannot read", e);
        }
    }

    /**
     * Hugging Face's LlamaTokenizerFast (Llama-2, Mistral, Phi-3) and GemmaTokenizerFast (Gemma-2, Gemma-3) rebuild
     * their post-processor from tokenizer_config.json: BOS if {@code add_bos_token} (default true), EOS if
     * {@code add_eos_token} (default false), whatever tokenizer.json says. Do the same, so prompts get exactly the
     * special tokens transformers would give them. Other tokenizer classes (Llama-3's PreTrainedTokenizerFast) use
     * tokenizer.json's post-processor as is.
     */
    private void applyTokenizerConfig(Path config) {
        if (!Files.isRegularFile(config)) {
            return;
        }
        JsonNode c;
        try {
            c = Json.MAPPER.readTree(config.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(config, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
        String cls = c == null ? "" : c.path("tokenizer_class").asText("");
        if (!LLAMA_CLASSES.contains(cls)) {
            return;
        }
        // transformers reads a legacy special_tokens_map.json (no added_tokens_decoder in the config), which then wins
        Path mapFile = config.resolveSibling("special_tokens_map.json");
        JsonNode map = null;
        if (!c.has("added_tokens_decoder") && Files.isRegularFile(mapFile)) {
            try {
                map = Json.MAPPER.readTree(mapFile.toFile());
            } catch (IOException e) {
                throw LandscapeException.of(mapFile, "cannot read JSON: " + Json.oneLine(e.getMessage()));
            }
        }
        boolean gemma = cls.startsWith("Gemma");
        prefix = c.path("add_bos_token").asBoolean(true)
                ? new long[] {specialId(config, c, map, "bos_token", gemma ? "<bos>" : "<s>")} : new long[0];
        suffix = c.path("add_eos_token").asBoolean(false)
                ? new long[] {specialId(config, c, map, "eos_token", gemma ? "<eos>" : "</s>")} : new long[0];
    }

    /**
     * The id of special token {@code key}: from special_tokens_map.json ({@code map}, when read), else
     * tokenizer_config.json, else (the key absent from both) the tokenizer class's default, as transformers does.
     */
    private long specialId(Path config, JsonNode c, JsonNode map, String key, String classDefault) {
        String text = map == null ? null : tokenText(map.get(key));
        if (text == null || text.isEmpty()) {
            text = c.has(key) ? tokenText(c.get(key)) : classDefault;
        }
        if (text == null || text.isEmpty()) {
            throw LandscapeException.of(config, "add_" + key + " is set but " + key + " is not given");
        }
        long[] ids = tokenizer.encode(text, false, false).getIds();
        if (ids.length != 1) {
            throw LandscapeException.of(config, key + " '" + text + "' is not a single token of " + file.getFileName());
        }
        return ids[0];
    }

    /** A special token as tokenizer_config.json writes it: a string, or an AddedToken object with "content". */
    private static String tokenText(JsonNode n) {
        return n == null || n.isNull() ? null : n.isObject() ? n.path("content").asText(null) : n.asText();
    }

    private long[] wrap(long[] ids) {
        long[] out = new long[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(ids, 0, out, prefix.length, ids.length);
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    /** Token ids with the tokenizer's special tokens. */
    public long[] encode(String text) {
        return prefix != null ? wrap(encodeWithoutSpecial(text)) : tokenizer.encode(text, true, false).getIds();
    }

    /** Token ids without special tokens. */
    public long[] encodeWithoutSpecial(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    public long[][] encodeAll(List<String> texts) {
        Encoding[] e = tokenizer.batchEncode(texts, prefix == null, false);
        long[][] out = new long[e.length][];
        for (int i = 0; i < e.length; i++) {
            out[i] = prefix == null ? e[i].getIds() : wrap(e[i].getIds());
        }
        return out;
    }

    /**
     * Ids of "A".."D" tokenized without special tokens, as the reference does. A letter that is not a single token
     * is an error (the constrained prediction would be ill-defined).
     */
    public long[] letterIds() {
        String[] letters = {"A", "B", "C", "D"};
        long[] ids = new long[4];
        for (int i = 0; i < 4; i++) {
            long[] t = tokenizer.encode(letters[i], false, false).getIds();
            if (t.length != 1) {
                throw LandscapeException.of(file, "letter \"" + letters[i] + "\" is " + t.length
                        + " tokens, expected 1 (needed for the constrained prediction)");
            }
            ids[i] = t[0];
        }
        return ids;
    }

    public String decode(long id) {
        return tokenizer.decode(new long[] {id}, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
