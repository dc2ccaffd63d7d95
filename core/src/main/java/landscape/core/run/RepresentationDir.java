package landscape.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.format.LayerFiles;
import landscape.core.format.LayerInfo;

/**
 * A representation directory, the contract between extraction and analysis: {@code manifest.json},
 * {@code samples.csv} and one tensor file per extraction point (docs/FORMAT.md).
 */
public final class RepresentationDir {
    public static final String MANIFEST = "manifest.json";
    public static final String SAMPLES = "samples.csv";

    private final Path dir;
    private final Manifest manifest;

    private RepresentationDir(Path dir, Manifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** True if {@code dir} holds a manifest.json. */
    public static boolean isRepresentationDir(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /** Opens and checks a directory: the format name and version, and that every point's file exists. */
    public static RepresentationDir open(Path dir) {
        Path mf = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(mf)) {
            throw LandscapeException.of(dir, "not a representation directory (no " + MANIFEST + ")");
        }
        Manifest m = Json.read(mf, Manifest.class);
        requireFields(mf);
        if (!Manifest.FORMAT.equals(m.format())) {
            throw LandscapeException.of(mf, "format is '" + m.format() + "', expected '" + Manifest.FORMAT + "'");
        }
        if (m.formatVersion() > Manifest.FORMAT_VERSION) {
            throw LandscapeException.of(mf, "format_version " + m.formatVersion() + " is newer than this tool ("
                    + Manifest.FORMAT_VERSION + ")");
        }
        if (m.points() == null || m.points().isEmpty()) {
            throw LandscapeException.of(mf, "no extraction points listed");
        }
        for (Manifest.Point p : m.points()) {
            Path f = dir.resolve(p.file()).normalize();
            if (!f.startsWith(dir.normalize()) || p.file().contains("/")) {
                throw LandscapeException.of(mf, "point " + p.index() + " file '" + p.file() + "' is not inside the directory");
            }
            if (!Files.isRegularFile(f)) {
                throw LandscapeException.of(mf, "point " + p.index() + " file '" + p.file() + "' is missing");
            }
        }
        return new RepresentationDir(dir, m);
    }

    /**
     * The whole numbers and the file name a manifest must state: read into the record, a missing {@code shots} or
     * {@code rows} would be 0 (every stats.json labelled 0-shot) and a point without a {@code file} a crash.
     */
    private static void requireFields(Path mf) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(mf.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(mf, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
        for (String f : List.of("format_version", "shots", "rows")) {
            require(mf, "", root, f, false);
        }
        JsonNode points = root.path("points");
        for (int i = 0; i < points.size(); i++) {
            for (String f : List.of("index", "rows", "dim")) {
                require(mf, "points[" + i + "]: ", points.get(i), f, false);
            }
            require(mf, "points[" + i + "]: ", points.get(i), "file", true);
        }
    }

    private static void require(Path mf, String at, JsonNode o, String field, boolean text) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw LandscapeException.of(mf, at + "field '" + field + "' is " + (v == null ? "missing" : "null"));
        }
        if (text ? !v.isTextual() : !v.isIntegralNumber()) {
            throw LandscapeException.of(mf, at + "field '" + field + "' is " + Json.oneLine(v.toString()) + ", not "
                    + (text ? "a file name" : "a whole number"));
        }
    }

    public Path dir() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    public List<Manifest.Point> points() {
        return manifest.points().stream().sorted(Comparator.comparingInt(Manifest.Point::index)).toList();
    }

    public Manifest.Point point(int index) {
        return manifest.points().stream().filter(p -> p.index() == index).findFirst()
                .orElseThrow(() -> LandscapeException.of(dir.resolve(MANIFEST), "no extraction point with index " + index
                        + " (have " + points().stream().map(p -> String.valueOf(p.index())).toList() + ")"));
    }

    public Path pointFile(int index) {
        return dir.resolve(point(index).file());
    }

    /**
     * The file of point {@code index} after checking that it is the one the manifest describes: its header's rows,
     * dim and dtype equal the manifest's (rows also the run's {@code rows}), and its SHA-256 the manifest's when one
     * is recorded. A file replaced or copied in from another run (same shape, rows in another order) would otherwise
     * be analysed against this run's samples.csv. One line naming the file and what differs.
     */
    public Path checkedPointFile(int index) {
        Manifest.Point p = point(index);
        Path f = pointFile(index);
        LayerInfo info = LayerFiles.info(f);
        String have = "[" + info.rows() + ", " + info.dim() + "] " + info.dtype().label();
        String want = "[" + p.rows() + ", " + p.dim() + "] " + (p.dtype() == null ? "" : p.dtype().toLowerCase(Locale.ROOT));
        boolean dtypeOk = p.dtype() == null || p.dtype().equalsIgnoreCase(info.dtype().label());
        if (info.rows() != p.rows() || info.dim() != p.dim() || !dtypeOk) {
            throw LandscapeException.of(f, "holds " + have + " but " + MANIFEST + " says point " + index + " is " + want.strip()
                    + ": not the file this run wrote");
        }
        if (p.rows() != manifest.rows()) {
            throw LandscapeException.of(dir.resolve(MANIFEST), "point " + index + " has " + p.rows() + " rows but the run has "
                    + manifest.rows());
        }
        if (p.sha256() != null && !p.sha256().isEmpty()) {
            String sha = sha256(f);
            if (!sha.equalsIgnoreCase(p.sha256())) {
                throw LandscapeException.of(f, "sha256 " + sha + " differs from the " + p.sha256() + " that " + MANIFEST
                        + " records: not the file this run wrote (changed or copied in after extraction)");
            }
        }
        return f;
    }

    public Path samplesFile() {
        return dir.resolve(SAMPLES);
    }

    public List<Sample> samples() {
        return SamplesCsv.read(samplesFile());
    }

    public Matrix readMatrix(int index) {
        return LayerFiles.readMatrix(pointFile(index));
    }

    public LayerInfo info(int index) {
        return LayerFiles.info(pointFile(index));
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) >= 0) {
                // digest as we go
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw LandscapeException.of(file, "cannot checksum: " + e.getMessage());
        }
    }

    /** Writes manifest.json into a directory being built. */
    public static void writeManifest(Path dir, Manifest manifest) {
        Json.write(dir.resolve(MANIFEST), manifest);
    }

    /** The layer file of extraction point {@code point}: {@code l<point>.safetensors}. */
    public static String layerFile(int point) {
        return "l" + point + ".safetensors";
    }

    /**
     * What {@code --out} may replace: an earlier representation directory (its manifest.json says format
     * {@value Manifest#FORMAT}) that holds nothing but manifest.json, samples.csv and the files its manifest lists,
     * or an empty directory. Anything else is what a user put there and is refused, naming what is in the way.
     */
    public static final AtomicOutput.Rule RULE = new AtomicOutput.Rule() {
        @Override
        public String refusal(Path dir) {
            return notAnEarlierRun(dir);
        }

        @Override
        public boolean writes(String name) {
            return name.equals(MANIFEST) || name.equals(SAMPLES) || LAYER_FILE.matcher(name).matches();
        }
    };

    private static final Pattern LAYER_FILE = Pattern.compile("l\\d+\\.safetensors");

    /** Refuses (one line, naming what is in the way) a {@code target} that a run may not replace; creates nothing. */
    public static void checkReplaceable(Path target) {
        AtomicOutput.checkDirectory(target, RULE);
    }

    /**
     * The staging folder of a run into {@code target} ({@code .<name>.partial-*} beside it): write the layer files,
     * samples.csv and manifest.json into {@link AtomicOutput#dir()}, then {@link AtomicOutput#commit()} replaces
     * {@code target} (only if {@link #RULE} allows it) in one rename; closing without a commit removes it all.
     */
    public static AtomicOutput stage(Path target) {
        return AtomicOutput.directory(target, RULE);
    }

    private static String notAnEarlierRun(Path dir) {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            return "cannot be listed (" + LandscapeException.reason(e) + ")";
        }
        if (entries.isEmpty()) {
            return null;
        }
        Path mf = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(mf, LinkOption.NOFOLLOW_LINKS)) {
            return "holds " + describe(entries) + " and no " + MANIFEST + ": not an earlier run";
        }
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(mf.toFile());
        } catch (IOException e) {
            return "holds a " + MANIFEST + " that is not valid JSON: not an earlier run";
        }
        if (m == null || !m.isObject() || !Manifest.FORMAT.equals(m.path("format").asText(null))) {
            String format = m == null || !m.isObject() || m.path("format").isMissingNode() ? "none"
                    : "'" + Json.oneLine(m.get("format").toString()) + "'";
            return "holds a " + MANIFEST + " of something else (format " + format + ", not '" + Manifest.FORMAT
                    + "'): not an earlier run";
        }
        Set<String> written = new TreeSet<>(List.of(MANIFEST, SAMPLES));
        for (JsonNode p : m.path("points")) {
            String f = p.path("file").asText("");
            if (!f.isEmpty() && !f.contains("/") && !f.contains("\\") && !f.equals("..") && !f.equals(".")) {
                written.add(f);
            }
        }
        List<Path> extra = entries.stream().filter(p -> !written.contains(p.getFileName().toString())
                || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        if (!extra.isEmpty()) {
            return "holds " + describe(extra) + ", not written by the earlier run (it wrote " + MANIFEST + ", " + SAMPLES
                    + " and the " + (written.size() - 2) + " layer files its manifest lists)";
        }
        return null;
    }

    /** Up to three names (folders with a trailing /), then how many more. */
    private static String describe(List<Path> entries) {
        List<String> names = new ArrayList<>();
        for (Path p : entries.subList(0, Math.min(3, entries.size()))) {
            names.add(p.getFileName() + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : ""));
        }
        String more = entries.size() > 3 ? " and " + (entries.size() - 3) + " more" : "";
        return String.join(", ", names) + more;
    }
}
