package landscape.extract.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import landscape.core.Json;
import landscape.core.LandscapeException;

/** {@code --prompts FILE.jsonl}: one {"prompt": ..., "subject"?: ..., "answer"?: ...} per non-blank line. */
public final class JsonlPrompts {
    private JsonlPrompts() {
    }

    public static List<PromptItem> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw LandscapeException.of(file, "no such file");
        }
        List<PromptItem> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw LandscapeException.of(file, "line " + no + ": not valid JSON: " + Json.oneLine(e.getMessage()));
                }
                if (n == null || !n.isObject() || !n.hasNonNull("prompt") || !n.get("prompt").isTextual()) {
                    throw LandscapeException.of(file, "line " + no + ": expected an object with a string \"prompt\"");
                }
                String answer = n.path("answer").asText("");
                if (!answer.isEmpty() && !MmluDataset.LETTERS.contains(answer)) {
                    throw LandscapeException.of(file, "line " + no + ": answer '" + answer + "' is not one of A, B, C, D");
                }
                out.add(new PromptItem(out.size(), n.path("subject").asText(""), answer, n.get("prompt").asText()));
            }
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw LandscapeException.of(file, "no prompts");
        }
        return out;
    }
}
