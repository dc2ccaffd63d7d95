package landscape.nf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import java.io.File;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.data.MmluLayout;
import landscape.core.run.GpuRequest;
import landscape.core.run.ModelSheet;

/**
 * Checks pipeline parameters against an nf-core style {@code nextflow_schema.json}, offline, before anything runs.
 * Plain Java (no Nextflow types), so it is unit-tested directly. In order, the first problem found is reported as
 * one line:
 * <ol>
 *   <li>an unknown parameter (not a property of the schema's top level or of any {@code $defs}/{@code definitions}
 *       group);</li>
 *   <li>a value the JSON schema rejects (type, minimum/maximum also on array items, enum, pattern ...). A string
 *       given for an array parameter ({@code --shots 0,1,5}) is split on commas first, as Nextflow passes it;</li>
 *   <li>paths: {@code exists: true} on a {@code file-path}/{@code directory-path} property; {@code models} (a
 *       path, a comma list, a list, or a CSV sheet {@code name,path[,adapter]}), when its property names a sheet
 *       schema ({@code "schema": "assets/schema_models.json"}, relative to the schema's folder), is read by core's
 *       {@link ModelSheet} against it: safe, distinct names, model directories with config.json and tokenizer.json,
 *       adapter directories with their two files; {@code split} of {@code dataset} has files in one of the MMLU
 *       layouts (core's {@code MmluLayout}: Hendrycks CSV or cais/mmlu parquet, hub cache folders resolved);
 *       when the schema declares {@code representations}, a run that extracts ({@code models} or {@code tiny_model}
 *       given, no {@code representations}) needs {@code dataset}, one of the three is given, and {@code models}
 *       given with {@code tiny_model} or {@code representations} is refused (they would replace it); an
 *       extraction's {@code layers} hold a point at or above {@code first_layer}.</li>
 *   <li>the GPU requests of EXTRACT, when the schema declares {@code gpus_per_extract}: core's {@link GpuRequest}
 *       checks {@code device}, {@code devices}, {@code gpus_per_extract}, {@code device_memory} and
 *       {@code gpu_cluster_options} together.</li>
 * </ol>
 */
public final class ParamsValidator {
    public static final String SCHEMA_FILE = "nextflow_schema.json";
    static final String MODELS = "models";
    static final String DATASET = "dataset";
    static final String SPLIT = "split";
    static final String REPRESENTATIONS = "representations";
    static final String TINY_MODEL = "tiny_model";
    static final String LAYERS = "layers";
    static final String FIRST_LAYER = "first_layer";
    static final String GPUS_PER_EXTRACT = "gpus_per_extract";
    /** nf-schema's keyword naming the schema of a sheet a parameter points to, relative to the schema's folder. */
    static final String SHEET_SCHEMA = "schema";

    /** nf-schema keywords that only annotate (or that {@link #checkPaths} handles): not reported as unknown. */
    static final List<String> NF_SCHEMA_ANNOTATIONS = List.of("fa_icon", "help_text", "hidden", "exists", "mimetype",
            "schema", "errorMessage", "untracked");

    private final Path schemaFile;
    private final Map<String, JsonNode> properties = new TreeMap<>();
    private final JsonSchema schema;

    public ParamsValidator(Path schemaFile) {
        this.schemaFile = schemaFile;
        JsonNode root = Json.readObject(schemaFile, "JSON schema");
        collect(root.get("properties"));
        for (String group : List.of("$defs", "definitions")) {
            JsonNode defs = root.get(group);
            if (defs != null && defs.isObject()) {
                defs.elements().forEachRemaining(d -> collect(d.get("properties")));
            }
        }
        try {
            SpecVersion.VersionFlag version = SpecVersionDetector.detectOptionalVersion(root, false)
                    .orElse(SpecVersion.VersionFlag.V7);
            JsonMetaSchema meta = JsonMetaSchema.builder(metaSchema(version))
                    .keywords(NF_SCHEMA_ANNOTATIONS.stream().map(NonValidationKeyword::new).toList())
                    .build();
            this.schema = JsonSchemaFactory.getInstance(version, b -> b.metaSchema(meta)).getSchema(root);
        } catch (RuntimeException e) {
            throw LandscapeException.of(schemaFile, "invalid JSON schema: " + Json.oneLine(e.getMessage()));
        }
    }

    private static JsonMetaSchema metaSchema(SpecVersion.VersionFlag version) {
        return switch (version) {
            case V4 -> JsonMetaSchema.getV4();
            case V6 -> JsonMetaSchema.getV6();
            case V7 -> JsonMetaSchema.getV7();
            case V201909 -> JsonMetaSchema.getV201909();
            case V202012 -> JsonMetaSchema.getV202012();
        };
    }

    /** Validates when the schema file exists; a pipeline without a schema is not checked. */
    public static void validateIfSchemaPresent(Path schemaFile, Map<String, ?> params, Path launchDir) {
        if (Files.isRegularFile(schemaFile)) {
            new ParamsValidator(schemaFile).validate(params, launchDir);
        }
    }

    /** Throws a one-line {@link LandscapeException} for the first problem; relative paths resolve against launchDir. */
    public void validate(Map<String, ?> params, Path launchDir) {
        checkKnown(params);
        ObjectNode json = toJson(params);
        checkSchema(json);
        checkPaths(json, launchDir);
        if (properties.containsKey(GPUS_PER_EXTRACT)) {
            GpuRequest.check(params);
        }
    }

    /** The names the schema declares (top level and every group). */
    public Set<String> knownParameters() {
        return properties.keySet();
    }

    private void collect(JsonNode props) {
        if (props != null && props.isObject()) {
            props.fields().forEachRemaining(e -> properties.put(e.getKey(), e.getValue()));
        }
    }

    private void checkKnown(Map<String, ?> params) {
        for (String key : new TreeMap<>(params).keySet()) {
            if (properties.containsKey(key) || isCamelAlias(key, params.keySet())) {
                continue;
            }
            String hint = closest(key);
            throw new LandscapeException("unknown parameter --" + key + " (not in " + schemaFile.getFileName() + ")"
                    + (hint == null ? "" : "; did you mean --" + hint + "?"));
        }
    }

    /** Nextflow adds {@code fooBar} beside a {@code --foo-bar} given on the command line; only the latter counts. */
    private static boolean isCamelAlias(String key, Collection<String> keys) {
        for (String k : keys) {
            if (k.indexOf('-') > 0 && camel(k).equals(key) && !k.equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static String camel(String kebab) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private String closest(String key) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
        for (String p : properties.keySet()) {
            int d = distance(k, p.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = p;
            }
        }
        return bestD <= Math.max(2, key.length() / 3) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private void checkSchema(ObjectNode json) {
        Set<ValidationMessage> errors = schema.validate(json);
        if (errors.isEmpty()) {
            return;
        }
        List<String> lines = errors.stream().map(ParamsValidator::describe).sorted().toList();
        throw new LandscapeException("invalid parameter " + lines.get(0)
                + (lines.size() > 1 ? " (and " + (lines.size() - 1) + " more)" : ""));
    }

    private static String describe(ValidationMessage m) {
        String loc = m.getInstanceLocation() == null ? "" : m.getInstanceLocation().toString();
        String where = loc.startsWith("$.") ? "--" + loc.substring(2) : loc.equals("$") ? "(params)" : loc;
        String err = m.getError() != null ? m.getError() : m.getMessage();
        return where + ": " + Json.oneLine(err);
    }

    private void checkPaths(ObjectNode json, Path launchDir) {
        for (var e : properties.entrySet()) {
            JsonNode p = e.getValue();
            JsonNode value = json.get(e.getKey());
            if (value == null || value.isNull() || !p.path("exists").asBoolean(false)) {
                continue;
            }
            String format = p.path("format").asText("");
            for (String s : strings(value)) {
                Path path = launchDir.resolve(s);
                if (format.equals("directory-path") && !Files.isDirectory(path)) {
                    throw new LandscapeException("--" + e.getKey() + ": directory " + s + " does not exist");
                }
                if (format.equals("file-path") && !Files.isRegularFile(path)) {
                    throw new LandscapeException("--" + e.getKey() + ": file " + s + " does not exist");
                }
                if (format.equals("path") && !Files.exists(path)) {
                    throw new LandscapeException("--" + e.getKey() + ": " + s + " does not exist");
                }
            }
        }
        JsonNode models = json.get(MODELS);
        String sheetSchema = properties.containsKey(MODELS) ? properties.get(MODELS).path(SHEET_SCHEMA).asText(null) : null;
        if (sheetSchema != null && models != null && !models.isNull()) {
            new ModelSheet(schemaFile.toAbsolutePath().getParent().resolve(sheetSchema)).read(strings(models), launchDir);
        }
        if (properties.containsKey(TINY_MODEL) && properties.containsKey(REPRESENTATIONS)) {
            checkModelsUsed(json);
        }
        if (properties.containsKey(DATASET) && properties.containsKey(REPRESENTATIONS)) {
            checkDatasetGiven(json);
        }
        if (properties.containsKey(DATASET) && properties.containsKey(SPLIT)) {
            checkDataset(json.get(DATASET), json.get(SPLIT), launchDir);
        }
        if (properties.containsKey(LAYERS) && properties.containsKey(FIRST_LAYER) && properties.containsKey(REPRESENTATIONS)) {
            checkLayersAnalysed(json);
        }
    }

    /**
     * An extraction's {@code layers} (the schema's pattern: indices and ranges, or "all") hold a point at or above
     * {@code first_layer}; otherwise EXTRACT would run for nothing to analyse. Existing runs are not extracted.
     */
    private static void checkLayersAnalysed(ObjectNode json) {
        JsonNode layers = json.get(LAYERS);
        JsonNode first = json.get(FIRST_LAYER);
        if (!extracts(json) || layers == null || layers.isNull()
                || first == null || !first.canConvertToInt()) {
            return;
        }
        String spec = layers.asText();
        Matcher m = Pattern.compile("[0-9]+").matcher(spec);
        long max = -1;
        while (m.find()) {
            max = Math.max(max, m.group().length() > 9 ? Long.MAX_VALUE : Long.parseLong(m.group()));
        }
        if (max >= 0 && max < first.asInt()) {
            throw new LandscapeException("--layers " + spec + ": no extraction point at or above --first_layer "
                    + first.asInt() + ", so nothing would be analysed; add points >= " + first.asInt()
                    + " or lower --first_layer");
        }
    }

    /**
     * Something to extract or analyse is given; models given are extracted: neither the tiny model (the test
     * profile's) nor existing runs replace them.
     */
    private static void checkModelsUsed(ObjectNode json) {
        if (strings(json.get(MODELS)).isEmpty()) {
            // (judged when the params hold the three, as a run's do: nextflow.config gives each a default)
            boolean declared = json.has(MODELS) && json.has(TINY_MODEL) && json.has(REPRESENTATIONS);
            if (declared && !json.path(TINY_MODEL).asBoolean(false) && strings(json.get(REPRESENTATIONS)).isEmpty()) {
                throw new LandscapeException("--models: not given; give a model directory, a comma-separated list or a"
                        + " CSV sheet name,path[,adapter] (or --tiny_model, or --representations to analyse existing runs)");
            }
            return;
        }
        if (!strings(json.get(REPRESENTATIONS)).isEmpty()) {
            throw new LandscapeException("--models: not used with --representations, which analyses existing runs and"
                    + " extracts nothing; give one of them");
        }
        if (json.path(TINY_MODEL).asBoolean(false)) {
            throw new LandscapeException("--models: not used while --tiny_model is true (the test profile sets it);"
                    + " add --tiny_model false to extract from --models");
        }
    }

    /** True when the run extracts: models or the tiny model given, and no existing representations instead. */
    private static boolean extracts(ObjectNode json) {
        return (!strings(json.get(MODELS)).isEmpty() || json.path(TINY_MODEL).asBoolean(false))
                && strings(json.get(REPRESENTATIONS)).isEmpty();
    }

    /** Extraction reads its questions from the dataset; existing representations need none. */
    private static void checkDatasetGiven(ObjectNode json) {
        if (extracts(json) && strings(json.get(DATASET)).isEmpty()) {
            throw new LandscapeException("--dataset: not given; extraction reads its questions from an MMLU folder"
                    + " (Hendrycks CSV or cais/mmlu parquet), or analyse existing runs with --representations");
        }
    }

    private static void checkDataset(JsonNode dataset, JsonNode split, Path launchDir) {
        if (dataset == null || dataset.isNull() || dataset.asText().isBlank()) {
            return;
        }
        Path dir = launchDir.resolve(dataset.asText());
        if (!Files.isDirectory(dir)) {
            throw new LandscapeException("--dataset: directory " + dataset.asText() + " does not exist");
        }
        if (split == null || split.isNull() || split.asText().isBlank()) {
            return;
        }
        // core's one rule for MMLU folders: the Hendrycks CSV layout or cais/mmlu parquet (hub cache folders too)
        try {
            MmluLayout.check(dir, split.asText());
        } catch (LandscapeException e) {
            throw new LandscapeException("--split " + split.asText() + ": " + e.getMessage());
        }
    }

    /** Non-blank strings of a value: a string split on commas, or each element of an array. */
    private static List<String> strings(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value == null || value.isNull()) {
            return out;
        }
        if (value.isArray()) {
            value.elements().forEachRemaining(v -> out.addAll(strings(v)));
            return out;
        }
        for (String s : value.asText().split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** Params as JSON: Groovy strings and paths become text; array parameters given as "a,b,c" become arrays. */
    private ObjectNode toJson(Map<String, ?> params) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (var e : new TreeMap<String, Object>(params).entrySet()) {
            JsonNode prop = properties.get(e.getKey());
            if (prop == null) {
                continue; // a camelCase alias Nextflow added
            }
            out.set(e.getKey(), coerce(toNode(e.getValue()), prop));
        }
        return out;
    }

    private static JsonNode coerce(JsonNode value, JsonNode prop) {
        if (!allows(prop, "array") || value.isArray() || value.isNull() || value.isObject()) {
            return value;
        }
        if (value.isTextual() && allows(prop, "string") && !value.asText().contains(",")) {
            return value;
        }
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        JsonNode items = prop.path("items");
        if (value.isTextual()) {
            for (String s : value.asText().split(",")) {
                arr.add(scalar(s.trim(), items));
            }
        } else {
            arr.add(value);
        }
        return arr;
    }

    private static JsonNode scalar(String s, JsonNode schema) {
        try {
            if (allows(schema, "integer")) {
                return JsonNodeFactory.instance.numberNode(Long.parseLong(s));
            }
            if (allows(schema, "number")) {
                return JsonNodeFactory.instance.numberNode(Double.parseDouble(s));
            }
        } catch (NumberFormatException e) {
            // left as text: the schema then reports the wrong type
        }
        return JsonNodeFactory.instance.textNode(s);
    }

    private static boolean allows(JsonNode schema, String type) {
        JsonNode t = schema.get("type");
        if (t == null) {
            return false;
        }
        if (t.isArray()) {
            for (Iterator<JsonNode> it = t.elements(); it.hasNext(); ) {
                if (type.equals(it.next().asText())) {
                    return true;
                }
            }
            return false;
        }
        return type.equals(t.asText());
    }

    static JsonNode toNode(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return f.numberNode(((Number) v).longValue());
        }
        if (v instanceof BigInteger b) {
            return f.numberNode(b);
        }
        if (v instanceof BigDecimal b) {
            return f.numberNode(b);
        }
        if (v instanceof Number n) {
            return f.numberNode(n.doubleValue());
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            new LinkedHashMap<Object, Object>(m).forEach((k, x) -> o.set(String.valueOf(k), toNode(x)));
            return o;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = f.arrayNode();
            c.forEach(x -> a.add(toNode(x)));
            return a;
        }
        if (v instanceof Object[] arr) {
            ArrayNode a = f.arrayNode();
            for (Object x : arr) {
                a.add(toNode(x));
            }
            return a;
        }
        if (v instanceof File file) {
            return f.textNode(file.getPath());
        }
        return f.textNode(v.toString()); // CharSequence (GString included), Path, MemoryUnit, Duration ...
    }
}
