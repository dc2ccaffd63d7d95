package landscape.extract;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.format.Checkpoint;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;

/** Variants of a model directory for tests: an edited config.json, or weights dropped or replaced. */
final class ModelDirs {
    private ModelDirs() {
    }

    static ObjectNode config(Path model) throws IOException {
        return (ObjectNode) Json.MAPPER.readTree(model.resolve("config.json").toFile());
    }

    /** {@code to} with {@code model}'s files linked, except config.json, which is {@code model}'s after {@code edit}. */
    static Path withConfig(Path model, Path to, Consumer<ObjectNode> edit) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("config.json")) {
                    Files.createSymbolicLink(to.resolve(f.getFileName()), f.toAbsolutePath());
                }
            }
        }
        ObjectNode c = config(model);
        edit.accept(c);
        Files.writeString(to.resolve("config.json"), Json.MAPPER.writeValueAsString(c));
        return to;
    }

    /**
     * {@code to} with {@code model}'s config and tokenizer files linked and its weights rewritten: each name in
     * {@code replace} takes the given tensor, or is left out where the value is null.
     */
    static Path withWeights(Path model, Path to, Map<String, Tensor> replace) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.createSymbolicLink(to.resolve(f.getFileName()), f.toAbsolutePath());
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(model)) {
            for (String n : c.names()) {
                Tensor t = replace.containsKey(n) ? replace.get(n) : c.get(n);
                if (t != null) {
                    out.put(n, Tensor.ofDoubles(t.dtype(), t.shape(), t.toDoubleArray()));
                }
            }
            for (Map.Entry<String, Tensor> e : replace.entrySet()) {
                if (e.getValue() != null && !c.has(e.getKey())) {
                    out.put(e.getKey(), e.getValue());
                }
            }
        }
        Safetensors.write(to.resolve("model.safetensors"), out, Map.of("format", "pt"));
        return to;
    }
}
