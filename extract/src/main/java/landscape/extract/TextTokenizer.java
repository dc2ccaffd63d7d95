package landscape.extract;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeException;

/**
 * The checkpoint's {@code tokenizer.json} through DJL's Hugging Face tokenizer: special tokens added (BOS for
 * Llama), no truncation, no padding.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    public static TextTokenizer open(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw LandscapeException.of(modelDir, "no tokenizer.json");
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "truncation", "false", "padding", "false", "addSpecialTokens", "true", "maxLength", "-1"));
            return new TextTokenizer(t, file);
        } catch (IOException | RuntimeException e) {
            throw LandscapeException.of(file, "cannot load tokenizer: " + e.getMessage());
        }
    }

    /** Token ids with the tokenizer's special tokens. */
    public long[] encode(String text) {
        return tokenizer.encode(text, true, false).getIds();
    }

    /** Token ids without special tokens. */
    public long[] encodeWithoutSpecial(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    public long[][] encodeAll(List<String> texts) {
        Encoding[] e = tokenizer.batchEncode(texts, true, false);
        long[][] out = new long[e.length][];
        for (int i = 0; i < e.length; i++) {
            out[i] = e[i].getIds();
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
