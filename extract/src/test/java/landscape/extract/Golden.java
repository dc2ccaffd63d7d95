package landscape.extract;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import landscape.core.Json;

/** Locations of the shared golden data and helpers to read it. */
final class Golden {
    private Golden() {
    }

    static Path root() {
        return Path.of(System.getProperty("landscape.root", "..")).resolve("../shared/golden").normalize();
    }

    static Stream<Path> modelDirs() throws IOException {
        try (Stream<Path> s = Files.list(root().resolve("models"))) {
            return s.filter(p -> Files.isRegularFile(p.resolve("expected.json"))).sorted().toList().stream();
        }
    }

    static JsonNode expected(Path modelDir) throws IOException {
        return Json.MAPPER.readTree(modelDir.resolve("expected.json").toFile());
    }

    /** Writes the golden prompts as a --prompts JSONL file. */
    static Path promptsFile(JsonNode expected, Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonNode c : expected.get("cases")) {
            lines.add(Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(java.util.Map.of("prompt", c.get("prompt").asText())));
        }
        Path f = dir.resolve("prompts.jsonl");
        Files.write(f, lines);
        return f;
    }
}
