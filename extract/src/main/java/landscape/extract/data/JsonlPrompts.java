package landscape.extract.data;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * {@code --prompts FILE.jsonl}: one {"prompt": ..., "subject"?: ..., "answer"?: ...} per non-blank line. An empty or
 * blank prompt is refused (it would be extracted as the BOS token alone).
 */
public final class JsonlPrompts {
    /** One JSON value per line: anything after it on the line is an error, not silently dropped. */
    private static final ObjectReader LINE = Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonlPrompts() {
    }

    public static List<PromptItem> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw LandscapeException.of(file, "no such file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read: " + e.getMessage());
        }
        List<PromptItem> out = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        int no = 0;
        for (int start = 0; start < bytes.length; ) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            no++;
            String line;
            try {
                line = utf8.decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
            } catch (CharacterCodingException e) {
                throw LandscapeException.of(file, "line " + no + ": not valid UTF-8 text");
            }
            start = end + 1;
            if (no == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // a byte-order mark written by some editors
            }
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = LINE.readTree(line);
            } catch (IOException e) {
                throw LandscapeException.of(file, "line " + no + ": not valid JSON: " + Json.oneLine(e.getMessage()));
            }
            if (n == null || !n.isObject() || !n.hasNonNull("prompt") || !n.get("prompt").isTextual()) {
                throw LandscapeException.of(file, "line " + no + ": expected an object with a string \"prompt\"");
            }
            if (n.get("prompt").asText().isBlank()) {
                throw LandscapeException.of(file, "line " + no + ": the prompt is empty");
            }
            for (String key : new String[] {"subject", "answer"}) {
                if (n.hasNonNull(key) && !n.get(key).isTextual()) {
                    throw LandscapeException.of(file, "line " + no + ": \"" + key + "\" must be a string, got "
                            + Json.brief(n.get(key)));
                }
            }
            String answer = n.path("answer").asText("");
            if (!answer.isEmpty() && !MmluDataset.LETTERS.contains(answer)) {
                throw LandscapeException.of(file, "line " + no + ": answer '" + answer + "' is not one of A, B, C, D");
            }
            out.add(new PromptItem(out.size(), n.path("subject").asText(""), answer, n.get("prompt").asText()));
        }
        if (out.isEmpty()) {
            throw LandscapeException.of(file, "no prompts");
        }
        return out;
    }
}
