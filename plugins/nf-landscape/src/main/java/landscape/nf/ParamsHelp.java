package landscape.nf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * The help text of a pipeline, from its nf-core style {@code nextflow_schema.json}: the schema's title and
 * description, then each group of the {@code allOf} list (in that order) with its title and its parameters, one line
 * each: {@code --name [type] description [default: value]}. Parameters marked {@code hidden} are left out, and top-level
 * properties outside any group come last, under "Other parameters".
 */
public final class ParamsHelp {
    private ParamsHelp() {
    }

    /** The help text; {@code version} (may be null) follows the title. */
    public static String render(Path schemaFile, String version) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(schemaFile.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(schemaFile, "cannot read JSON schema: " + Json.oneLine(e.getMessage()));
        }
        StringBuilder out = new StringBuilder();
        out.append(root.path("title").asText("Pipeline parameters"));
        if (version != null && !version.isBlank()) {
            out.append(" (version ").append(version).append(')');
        }
        out.append('\n');
        if (root.has("description")) {
            out.append(root.get("description").asText()).append('\n');
        }
        out.append("\nUsage: ./landscape run [-profile test|slurm|local] [--parameter value ...] [-resume]\n");

        List<JsonNode> groups = new ArrayList<>();
        for (JsonNode ref : root.path("allOf")) {
            String pointer = ref.path("$ref").asText("");
            if (pointer.startsWith("#/")) {
                JsonNode g = root.at(pointer.substring(1));
                if (!g.isMissingNode()) {
                    groups.add(g);
                }
            }
        }
        int width = 0;
        List<JsonNode> all = new ArrayList<>();
        groups.forEach(g -> all.add(g.path("properties")));
        all.add(root.path("properties"));
        for (JsonNode props : all) {
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().path("hidden").asBoolean(false)) {
                    width = Math.max(width, e.getKey().length());
                }
            }
        }
        for (JsonNode g : groups) {
            group(out, g.path("title").asText("Parameters"), g.path("properties"), width);
        }
        if (root.path("properties").size() > 0) {
            group(out, "Other parameters", root.path("properties"), width);
        }
        out.append("\nNextflow's own options take one dash: -profile, -resume, -work-dir DIR, -c site.config.\n");
        return out.toString();
    }

    private static void group(StringBuilder out, String title, JsonNode properties, int width) {
        List<String> lines = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode p = e.getValue();
            if (p.path("hidden").asBoolean(false)) {
                continue;
            }
            StringBuilder line = new StringBuilder("  --").append(e.getKey());
            line.append(" ".repeat(width - e.getKey().length() + 2));
            line.append(String.format("%-18s", "[" + type(p) + "]")).append(' ');
            line.append(p.path("description").asText(""));
            if (p.has("enum")) {
                List<String> values = new ArrayList<>();
                p.get("enum").forEach(v -> values.add(v.asText()));
                line.append(" (one of: ").append(String.join(", ", values)).append(')');
            }
            if (p.has("default") && !p.get("default").isNull()) {
                line.append(" [default: ").append(value(p.get("default"))).append(']');
            }
            lines.add(line.toString());
        }
        if (lines.isEmpty()) {
            return;
        }
        out.append('\n').append(title).append('\n');
        lines.forEach(l -> out.append(l).append('\n'));
    }

    /** The type as a user reads it: {@code string}, {@code integer}, or several joined ({@code null} left out). */
    private static String type(JsonNode p) {
        JsonNode t = p.path("type");
        if (t.isArray()) {
            List<String> types = new ArrayList<>();
            t.forEach(x -> {
                if (!x.asText().equals("null")) {
                    types.add(x.asText());
                }
            });
            return String.join(", ", types);
        }
        return t.asText("any");
    }

    /** A default as it is typed on the command line: a list joined by commas. */
    private static String value(JsonNode v) {
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(x -> items.add(x.asText()));
            return String.join(",", items);
        }
        return v.asText();
    }
}
