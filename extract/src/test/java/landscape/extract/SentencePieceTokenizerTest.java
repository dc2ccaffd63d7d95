package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama-2/Mistral-style (SentencePiece converted to BPE) tokenizer.json: "A" encodes as the single token
 * "\u2581A", and, as in transformers' LlamaTokenizerFast, BOS/EOS follow tokenizer_config.json's add_bos_token /
 * add_eos_token rather than tokenizer.json's post-processor.
 */
class SentencePieceTokenizerTest {
    private static final String SP = "\u2581";
    private static final long BOS = 1;
    private static final long EOS = 2;

    @TempDir
    Path tmp;

    /** Vocab: specials 0-2, "\u2581" 3, letters 4-7, and (if merged) "\u2581A".."\u2581D" 8-11. */
    private Path model(String name, boolean bosTemplate, boolean mergedLetters, Map<String, Object> tokenizerConfig)
            throws Exception {
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<String> merges = new ArrayList<>();
        String[] base = {"<unk>", "<s>", "</s>", SP, "A", "B", "C", "D"};
        for (int i = 0; i < base.length; i++) {
            vocab.put(base[i], i);
        }
        if (mergedLetters) {
            for (int i = 0; i < 4; i++) {
                vocab.put(SP + (char) ('A' + i), 8 + i);
                merges.add(SP + " " + (char) ('A' + i));
            }
        }
        List<Object> added = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            added.add(Map.of("id", i, "content", base[i], "single_word", false, "lstrip", false, "rstrip", false,
                    "normalized", false, "special", true));
        }
        Map<String, Object> tok = new LinkedHashMap<>();
        tok.put("version", "1.0");
        tok.put("added_tokens", added);
        tok.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Prepend", "prepend", SP),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", SP))));
        tok.put("pre_tokenizer", null);
        tok.put("post_processor", !bosTemplate ? null : Map.of("type", "TemplateProcessing",
                "single", List.of(Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0)),
                        Map.of("Sequence", Map.of("id", "A", "type_id", 0))),
                "pair", List.of(Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0)),
                        Map.of("Sequence", Map.of("id", "A", "type_id", 0)),
                        Map.of("Sequence", Map.of("id", "B", "type_id", 1))),
                "special_tokens", Map.of("<s>", Map.of("id", "<s>", "ids", List.of(BOS), "tokens", List.of("<s>")))));
        tok.put("decoder", Map.of("type", "Sequence", "decoders", List.of(
                Map.of("type", "Replace", "pattern", Map.of("String", SP), "content", " "),
                Map.of("type", "Fuse"), Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0))));
        Map<String, Object> bpe = new LinkedHashMap<>();
        bpe.put("type", "BPE");
        bpe.put("dropout", null);
        bpe.put("unk_token", "<unk>");
        bpe.put("continuing_subword_prefix", null);
        bpe.put("end_of_word_suffix", null);
        bpe.put("fuse_unk", true);
        bpe.put("byte_fallback", false);
        bpe.put("vocab", vocab);
        bpe.put("merges", merges);
        tok.put("model", bpe);
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("tokenizer.json"), Json.MAPPER.writeValueAsString(tok));
        if (tokenizerConfig != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), Json.MAPPER.writeValueAsString(tokenizerConfig));
        }
        return dir;
    }

    @Test
    void lettersAreTheSingleMetaspaceTokens() throws Exception {
        try (TextTokenizer t = TextTokenizer.open(model("m", true, true, null))) {
            assertArrayEquals(new long[] {8, 9, 10, 11}, t.letterIds());
            assertArrayEquals(new long[] {BOS, 8}, t.encode("A"));
        }
    }

    @Test
    void aLetterThatIsTwoTokensIsAClearError() throws Exception {
        Path m = model("m", true, false, null);
        try (TextTokenizer t = TextTokenizer.open(m)) {
            LandscapeException e = assertThrows(LandscapeException.class, t::letterIds);
            assertTrue(e.getMessage().startsWith(m.resolve("tokenizer.json") + ": letter \"A\" is 2 tokens"),
                    e.getMessage());
        }
    }

    @Test
    void llamaTokenizerAddsBosFromTokenizerConfigEvenWithoutATemplate() throws Exception {
        Map<String, Object> cfg = Map.of("tokenizer_class", "LlamaTokenizer", "bos_token", "<s>", "eos_token", "</s>");
        try (TextTokenizer t = TextTokenizer.open(model("m", false, true, cfg))) {
            assertArrayEquals(new long[] {BOS, 8, 9}, t.encode("A B"));
            assertArrayEquals(new long[] {BOS, 8, 9}, t.encodeAll(List.of("A B"))[0]);
            assertArrayEquals(new long[] {8, 9}, t.encodeWithoutSpecial("A B"));
        }
    }

    @Test
    void llamaTokenizerFollowsAddBosFalseAndAddEosTrue() throws Exception {
        Map<String, Object> noBos = Map.of("tokenizer_class", "LlamaTokenizerFast", "bos_token",
                Map.of("content", "<s>"), "add_bos_token", false);
        try (TextTokenizer t = TextTokenizer.open(model("a", true, true, noBos))) {
            assertArrayEquals(new long[] {8}, t.encode("A"));
        }
        Map<String, Object> eos = Map.of("tokenizer_class", "LlamaTokenizer", "bos_token", "<s>", "eos_token", "</s>",
                "add_eos_token", true);
        try (TextTokenizer t = TextTokenizer.open(model("b", true, true, eos))) {
            assertArrayEquals(new long[] {BOS, 8, EOS}, t.encodeAll(List.of("A"))[0]);
        }
    }

    /**
     * transformers' GemmaTokenizerFast (Gemma-2, Gemma-3: tokenizer_class GemmaTokenizer) rebuilds its post-processor
     * from add_bos_token (default true) and add_eos_token (default false) exactly as LlamaTokenizerFast does, so a
     * fine-tune saved with add_eos_token true gets its EOS, and one with add_bos_token false none.
     */
    @Test
    void gemmaTokenizerFollowsAddBosAndAddEosLikeLlama() throws Exception {
        Map<String, Object> eos = Map.of("tokenizer_class", "GemmaTokenizer", "bos_token", "<s>", "eos_token", "</s>",
                "add_bos_token", true, "add_eos_token", true);
        try (TextTokenizer t = TextTokenizer.open(model("a", true, true, eos))) {
            assertArrayEquals(new long[] {BOS, 8, EOS}, t.encode("A"));
            assertArrayEquals(new long[] {BOS, 8, EOS}, t.encodeAll(List.of("A"))[0]);
        }
        Map<String, Object> noBos = Map.of("tokenizer_class", "GemmaTokenizerFast", "bos_token", "<s>",
                "add_bos_token", false);
        try (TextTokenizer t = TextTokenizer.open(model("b", true, true, noBos))) {
            assertArrayEquals(new long[] {8}, t.encode("A"));
        }
    }

    /**
     * A tokenizer.json cut short (a partial download) inside its decoder made the Rust tokenizer panic, which aborts
     * the JVM (exit 134, a Rust backtrace): it is refused in one line naming the file before the tokenizer sees it.
     */
    @Test
    void aTruncatedTokenizerJsonIsRefusedInOneLine() throws Exception {
        Path m = model("m", true, true, null);
        String json = Files.readString(m.resolve("tokenizer.json"));
        int cut = json.indexOf("\"decoder\"") + 40;
        Files.writeString(m.resolve("tokenizer.json"), json.substring(0, cut));
        LandscapeException e = assertThrows(LandscapeException.class, () -> TextTokenizer.open(m));
        assertTrue(e.getMessage().startsWith(m.resolve("tokenizer.json") + ": not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
    }

    /**
     * Where tokenizer_config.json does not name the BOS token, transformers takes it from a legacy
     * special_tokens_map.json (read only when tokenizer_config.json has no added_tokens_decoder, and then it wins),
     * else from the class's default ("<s>" for LlamaTokenizerFast): such a checkpoint gets its BOS, not an error.
     */
    @Test
    void llamaTokenizerFindsItsBosInSpecialTokensMapOrTheClassDefault() throws Exception {
        try (TextTokenizer t = TextTokenizer.open(model("a", false, true, Map.of("tokenizer_class", "LlamaTokenizer")))) {
            assertArrayEquals(new long[] {BOS, 8}, t.encode("A"));
        }
        Path legacy = model("b", false, true, Map.of("tokenizer_class", "LlamaTokenizer", "bos_token", ""));
        Files.writeString(legacy.resolve("special_tokens_map.json"), "{\"bos_token\": {\"content\": \"<s>\"}}");
        try (TextTokenizer t = TextTokenizer.open(legacy)) {
            assertArrayEquals(new long[] {BOS, 8}, t.encode("A"));
        }
        Path modern = model("c", false, true, Map.of("tokenizer_class", "LlamaTokenizer", "bos_token", "</s>",
                "added_tokens_decoder", Map.of()));
        Files.writeString(modern.resolve("special_tokens_map.json"), "{\"bos_token\": \"<s>\"}");
        try (TextTokenizer t = TextTokenizer.open(modern)) {
            assertArrayEquals(new long[] {EOS, 8}, t.encode("A"));
        }
    }

    @Test
    void otherTokenizerClassesKeepTokenizerJsonsPostProcessor() throws Exception {
        Map<String, Object> cfg = Map.of("tokenizer_class", "PreTrainedTokenizerFast", "bos_token", "<s>",
                "add_bos_token", true);
        try (TextTokenizer t = TextTokenizer.open(model("m", false, true, cfg))) {
            assertArrayEquals(new long[] {8}, t.encode("A"));
        }
    }

    @Test
    void bosTokenThatIsNotOneTokenIsAnError() throws Exception {
        Path m = model("m", false, true, Map.of("tokenizer_class", "LlamaTokenizer", "bos_token", "<bos>"));
        LandscapeException e = assertThrows(LandscapeException.class, () -> TextTokenizer.open(m));
        assertTrue(e.getMessage().startsWith(m.resolve("tokenizer_config.json") + ": bos_token '<bos>'"), e.getMessage());
    }
}
