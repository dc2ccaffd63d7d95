package landscape.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The project's version, as the parent pom sets it: read from {@code landscape/core/version.properties}, which Maven
 * fills in when it builds core. Every Java use (each tool's {@code --version}, the manifest's {@code tool_version},
 * the report's footer) reads it here.
 */
public final class LandscapeVersion {
    static final String RESOURCE = "/landscape/core/version.properties";

    private static final String VERSION = load();

    private LandscapeVersion() {
    }

    /** The version, e.g. {@code 0.1.0}. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = LandscapeVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath (core was not built by Maven)");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            if (v.isBlank() || v.contains("${")) {
                throw new IllegalStateException(RESOURCE + " holds no filtered version ('" + v + "')");
            }
            return v.strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
