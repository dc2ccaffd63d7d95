package landscape.extract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.testing.Golden;

/** The golden model cases ({@code tests/golden/models/<model>/expected.json}) and their prompts. */
final class GoldenCases {
    private GoldenCases() {
    }

    static Stream<Path> modelDirs() {
        return Golden.modelDirs().stream();
    }

    static JsonNode expected(Path modelDir) throws IOException {
        return Json.MAPPER.readTree(modelDir.resolve("expected.json").toFile());
    }

    /** Writes the golden prompts as a --prompts JSONL file. */
    static Path promptsFile(JsonNode expected, Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonNode c : expected.get("cases")) {
            lines.add(Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(Map.of("prompt", c.get("prompt").asText())));
        }
        Path f = dir.resolve("prompts.jsonl");
        Files.write(f, lines);
        return f;
    }
}
