package landscape.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The one Jackson mapper: snake_case field names, pretty output, unknown fields ignored on read. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    public static <T> T read(Path file, Class<T> type) {
        try {
            return MAPPER.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read JSON: " + oneLine(e.getMessage()));
        }
    }

    /**
     * The JSON object in {@code file}, or one line naming the file: "cannot read WHAT: reason" when it cannot be read
     * or parsed, "not a WHAT object" when it holds another JSON value.
     */
    public static ObjectNode readObject(Path file, String what) {
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read " + what + ": " + oneLine(e.getMessage()));
        }
        if (root instanceof ObjectNode o) {
            return o;
        }
        throw LandscapeException.of(file, "not a " + what + " object");
    }

    /** Writes to a temporary name in the same folder, then renames: a reader never sees half a file. */
    public static void write(Path file, Object value) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            MAPPER.writeValue(tmp.toFile(), value);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw LandscapeException.of(file, "cannot write JSON: " + oneLine(e.getMessage()));
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the error that stopped the write is what the user sees
        }
    }

    public static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A JSON value as it is written, cut to 60 characters ("..." at the end when cut), for error messages. */
    public static String brief(JsonNode n) {
        String s = n.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
