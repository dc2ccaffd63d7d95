package landscape.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.model.ModelLocation;

/**
 * The models of the pipeline's {@code --models}, read once and checked against the sheet's schema
 * ({@code assets/schema_models.json}, in the style of nf-core's {@code schema_input.json}). {@code --models} is a CSV
 * sheet with the header {@code name,path[,adapter]}, a model directory, or a comma-separated list (or a list) of
 * them; a directory given on its own is a row named after the directory. Every row, whatever its form, passes the
 * same checks, and the first problem is one line naming the row:
 * <ul>
 *   <li>the schema's columns: no other column in a sheet; {@code required} values are given (a blank name is the
 *       name of the path's directory); {@code pattern} (with its {@code errorMessage}); {@code format}
 *       {@code directory-path}/{@code file-path}/{@code path} with {@code exists}; {@code uniqueEntries};</li>
 *   <li>the model directory (a plain folder or a Hugging Face hub cache folder, resolved to its snapshot) holds
 *       config.json, tokenizer.json and the weights, and an adapter directory adapter_config.json and
 *       adapter_model.safetensors ({@link #modelDirectory}, {@link #adapterDirectory}; symbolic links are followed,
 *       as in a hub cache snapshot). A model given without a name is named after its folder, or after the
 *       repository ({@code Name} of {@code models--Org--Name}) for a hub cache folder.</li>
 * </ul>
 * The schema keywords are those nf-schema gives a samplesheet; a schema using any other validating keyword is
 * refused, so that no rule in it is silently ignored. Relative paths resolve against the launch directory.
 */
public final class ModelSheet {
    public static final String PARAM = "--models";
    static final String NAME = "name";
    static final String PATH = "path";
    static final String ADAPTER = "adapter";

    private static final Set<String> ROOT_KEYWORDS = Set.of("$schema", "$id", "title", "description", "type", "items");
    private static final Set<String> ITEM_KEYWORDS = Set.of("type", "properties", "required", "uniqueEntries",
            "description", "title");
    private static final Set<String> COLUMN_KEYWORDS = Set.of("type", "pattern", "format", "exists", "errorMessage",
            "description", "title", "meta", "fa_icon", "help_text");
    private static final Set<String> FORMATS = Set.of("directory-path", "file-path", "path");

    /** One model: its name in results, its checkpoint directory, its adapter (or null), pretrained or finetuned. */
    public record Row(String name, Path model, Path adapter, String type) {
    }

    /** A column of the schema. */
    record Column(String name, Pattern pattern, String errorMessage, String format, boolean exists) {
    }

    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final List<String> required = new ArrayList<>();
    private final List<String> unique = new ArrayList<>();

    /** Reads the sheet schema; an unreadable schema or one with keywords this reader does not apply is refused. */
    public ModelSheet(Path schemaFile) {
        JsonNode root = Json.readObject(schemaFile, "JSON schema");
        known(schemaFile, root, ROOT_KEYWORDS, "");
        expectType(schemaFile, root, "array", "");
        JsonNode items = root.path("items");
        known(schemaFile, items, ITEM_KEYWORDS, "items.");
        expectType(schemaFile, items, "object", "items.");
        for (Iterator<Map.Entry<String, JsonNode>> it = items.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = "items.properties." + e.getKey() + ".";
            JsonNode c = e.getValue();
            known(schemaFile, c, COLUMN_KEYWORDS, where);
            expectType(schemaFile, c, "string", where);
            Pattern pattern = null;
            if (c.has("pattern")) {
                try {
                    pattern = Pattern.compile(c.get("pattern").asText());
                } catch (PatternSyntaxException x) {
                    throw LandscapeException.of(schemaFile, where + "pattern is not a regular expression: "
                            + Json.oneLine(x.getDescription()));
                }
            }
            String format = c.path("format").asText(null);
            if (format != null && !FORMATS.contains(format)) {
                throw LandscapeException.of(schemaFile, where + "format '" + format + "' is not one of " + FORMATS);
            }
            columns.put(e.getKey(), new Column(e.getKey(), pattern, c.path("errorMessage").asText(null), format,
                    c.path("exists").asBoolean(false)));
        }
        for (String col : List.of(NAME, PATH)) {
            if (!columns.containsKey(col)) {
                throw LandscapeException.of(schemaFile, "items.properties has no '" + col + "' column");
            }
        }
        items.path("required").forEach(n -> required.add(n.asText()));
        items.path("uniqueEntries").forEach(n -> unique.add(n.asText()));
        for (String col : concat(required, unique)) {
            if (!columns.containsKey(col)) {
                throw LandscapeException.of(schemaFile, "items names the column '" + col + "', which is not a property");
            }
        }
    }

    /** The column names of the schema, in its order. */
    public List<String> columns() {
        return List.copyOf(columns.keySet());
    }

    /**
     * The rows of {@code models}: a string (a path, or paths separated by commas), a path, or a list of them; each
     * path ending in {@code .csv} is a sheet, any other a model directory. Throws a one-line
     * {@link LandscapeException} for the first problem.
     */
    public List<Row> read(Object models, Path launchDir) {
        List<String> items = items(models);
        if (items.isEmpty()) {
            throw new LandscapeException(PARAM + ": no model given (a model directory, a comma-separated list, or a CSV"
                    + " sheet name,path[,adapter])");
        }
        List<Raw> raws = new ArrayList<>();
        for (String item : items) {
            if (item.toLowerCase(Locale.ROOT).endsWith(".csv")) {
                raws.addAll(sheet(item, launchDir));
            } else {
                Map<String, String> values = new HashMap<>();
                values.put(PATH, item);
                raws.add(new Raw(values, null));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Raw raw : raws) {
            rows.add(check(raw, launchDir));
        }
        for (String col : unique) {
            Map<String, Raw> seen = new HashMap<>();
            for (Raw raw : raws) {
                String v = raw.values.get(col);
                Raw first = seen.putIfAbsent(v, raw);
                if (first != null) {
                    throw new LandscapeException(PARAM + ": " + label(col) + " '" + v + "' is used twice (" + first.where()
                            + " and " + raw.where() + "); give each model a distinct name in a sheet (name,path[,adapter])");
                }
            }
        }
        return rows;
    }

    /**
     * The checkpoint directory {@code dir} (shown as {@code shown}), checked: a plain checkpoint folder, or a Hugging
     * Face hub cache folder ({@code models--Org--Name} or one of its snapshots, resolved by core's one rule,
     * {@link ModelLocation}), holding config.json, tokenizer.json and the weights (model.safetensors or its index).
     * Symbolic links are followed. Returns the folder that is read (the snapshot for a hub cache folder, so that
     * {@code -resume} follows the revision). The one place that decides what a model directory is.
     */
    public static Path modelDirectory(Path dir, String shown) {
        Path read = located(dir, shown, "model directory", ModelLocation.MODEL_FILES);
        if (!Files.isRegularFile(read.resolve(Checkpoint.SINGLE)) && !Files.isRegularFile(read.resolve(Checkpoint.INDEX))) {
            throw new LandscapeException(PARAM + ": model directory " + shown + " has no " + Checkpoint.SINGLE + " or "
                    + Checkpoint.INDEX);
        }
        return read;
    }

    /** A PEFT LoRA adapter directory, checked: adapter_config.json and adapter_model.safetensors (links followed). */
    public static Path adapterDirectory(Path dir, String shown) {
        return located(dir, shown, "adapter directory", ModelLocation.ADAPTER_FILES);
    }

    private static Path located(Path dir, String shown, String what, List<String> files) {
        if (!Files.isDirectory(dir)) {
            throw new LandscapeException(PARAM + ": " + what + " " + shown + " does not exist");
        }
        Path read;
        try {
            read = ModelLocation.resolve(dir).dir();
        } catch (LandscapeException e) {
            throw new LandscapeException(PARAM + ": " + what + " " + shown + ": " + e.getMessage());
        }
        for (String f : files) {
            if (!Files.isRegularFile(read.resolve(f))) {
                throw new LandscapeException(PARAM + ": " + what + " " + shown + " has no " + f);
            }
        }
        return read;
    }

    // ------------------------------------------------------------------ rows

    /** A row before its checks: column values as given, and where it came from (null: a directory given alone). */
    private record Raw(Map<String, String> values, String sheetLine) {
        String where() {
            return sheetLine != null ? sheetLine : "the directory " + values.get(PATH);
        }
    }

    private List<Raw> sheet(String text, Path launchDir) {
        Path file = resolve(launchDir, text, "model sheet");
        if (!Files.isRegularFile(file)) {
            throw new LandscapeException(PARAM + ": model sheet " + text + " does not exist");
        }
        List<Csv.Record> records;
        try {
            records = Csv.read(file);
        } catch (LandscapeException e) {
            throw new LandscapeException(PARAM + ": model sheet " + e.getMessage());
        }
        if (records.isEmpty()) {
            throw new LandscapeException(PARAM + ": model sheet " + text + " is empty (expected the header name,path[,adapter])");
        }
        List<String> header = records.get(0).fields().stream().map(String::strip).toList();
        for (String h : header) {
            if (!columns.containsKey(h)) {
                throw new LandscapeException(PARAM + ": model sheet " + text + ": unknown column '" + h
                        + "' (the columns are " + String.join(", ", columns.keySet()) + ")");
            }
        }
        for (String col : required) {
            if (!col.equals(NAME) && !header.contains(col)) {
                throw new LandscapeException(PARAM + ": model sheet " + text + " has no column '" + col
                        + "' (expected the header name,path[,adapter])");
            }
        }
        if (records.size() == 1) {
            throw new LandscapeException(PARAM + ": model sheet " + text + " has no rows");
        }
        List<Raw> raws = new ArrayList<>();
        for (Csv.Record r : records.subList(1, records.size())) {
            String where = text + " line " + r.line();
            if (r.fields().size() != header.size()) {
                throw new LandscapeException(PARAM + ": model sheet " + where + " has " + r.fields().size()
                        + " fields, the header " + header.size());
            }
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                String v = r.fields().get(i).strip();
                if (!v.isEmpty()) {
                    values.put(header.get(i), v);
                }
            }
            raws.add(new Raw(values, where));
        }
        return raws;
    }

    private Row check(Raw raw, Path launchDir) {
        Map<String, String> v = raw.values;
        boolean derived = false;
        if (v.get(NAME) == null && v.get(PATH) != null) {
            String named = defaultName(resolve(launchDir, v.get(PATH), "model directory").normalize());
            if (named != null) {
                v.put(NAME, named);
                derived = true;
            }
        }
        for (String col : required) {
            if (v.get(col) == null) {
                throw new LandscapeException(PARAM + ": " + (raw.sheetLine != null ? "model sheet " + raw.sheetLine : "a model")
                        + " has no " + col);
            }
        }
        for (Column c : columns.values()) {
            String value = v.get(c.name);
            if (value == null || c.pattern == null || c.pattern.matcher(value).matches()) {
                continue;
            }
            String why = c.errorMessage != null ? c.errorMessage : "does not match " + c.pattern.pattern();
            String from = derived && c.name.equals(NAME) ? "the name of the directory " + v.get(PATH) : raw.where();
            throw new LandscapeException(PARAM + ": " + label(c.name) + " '" + value + "' (" + from + ") " + why
                    + (derived && c.name.equals(NAME) ? "; give the model a name in a sheet (name,path[,adapter])" : ""));
        }
        String in = raw.sheetLine != null ? " (" + raw.sheetLine + ")" : "";
        for (Column c : columns.values()) {
            String value = v.get(c.name);
            if (value == null || !c.exists || c.format == null) {
                continue;
            }
            Path p = resolve(launchDir, value, label(c.name));
            boolean ok = switch (c.format) {
                case "directory-path" -> Files.isDirectory(p);
                case "file-path" -> Files.isRegularFile(p);
                default -> Files.exists(p);
            };
            if (!ok) {
                throw new LandscapeException(PARAM + ": " + label(c.name) + " " + value + in + " does not exist");
            }
        }
        Path model = modelDirectory(resolve(launchDir, v.get(PATH), "model directory"), v.get(PATH) + in);
        Path adapter = v.get(ADAPTER) == null ? null
                : adapterDirectory(resolve(launchDir, v.get(ADAPTER), "adapter directory"), v.get(ADAPTER) + in);
        return new Row(v.get(NAME), model, adapter, RunType.of(adapter));
    }

    /**
     * The name of a model given without one: the repository's {@code Name} for a hub cache folder
     * ({@code models--Org--Name} or one of its snapshots), else the folder's name; null for a root path. A hub cache
     * problem is left to the directory check, which says it with the row.
     */
    private static String defaultName(Path dir) {
        if (Files.isDirectory(dir)) {
            try {
                return ModelLocation.resolve(dir).name();
            } catch (LandscapeException e) {
                // reported by modelDirectory with the row
            }
        }
        Path name = dir.getFileName();
        return name == null ? null : name.toString();
    }

    private static String label(String column) {
        return switch (column) {
            case NAME -> "model name";
            case PATH -> "model directory";
            case ADAPTER -> "adapter directory";
            default -> column;
        };
    }

    private static Path resolve(Path launchDir, String text, String what) {
        try {
            return launchDir.resolve(text);
        } catch (InvalidPathException e) {
            throw new LandscapeException(PARAM + ": " + what + " '" + text + "' is not a valid path");
        }
    }

    /** The non-blank items of {@code models}: a string split on commas, a path, or each element of a list. */
    static List<String> items(Object models) {
        List<String> out = new ArrayList<>();
        if (models == null) {
            return out;
        }
        if (models instanceof Collection<?> c) {
            for (Object o : c) {
                out.addAll(items(o));
            }
            return out;
        }
        if (models instanceof Path || models instanceof File) {
            out.add(models.toString());
            return out;
        }
        for (String s : models.toString().split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ schema

    private static void known(Path schemaFile, JsonNode node, Set<String> allowed, String where) {
        if (!node.isObject()) {
            throw LandscapeException.of(schemaFile, (where.isEmpty() ? "the schema" : where) + " is not an object");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw LandscapeException.of(schemaFile, where + k + ": keyword not applied by the models sheet reader"
                        + " (it knows " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static void expectType(Path schemaFile, JsonNode node, String type, String where) {
        if (!type.equals(node.path("type").asText(null))) {
            throw LandscapeException.of(schemaFile, where + "type must be \"" + type + "\"");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
