package landscape.core.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
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

    /**
     * A fresh staging directory beside {@code target} ({@code .<name>.partial-<random>}), to be moved into place
     * with {@link #commit(Path, Path)} once complete.
     */
    public static Path staging(Path target) {
        Path parent = target.toAbsolutePath().normalize().getParent();
        try {
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
        } catch (IOException e) {
            throw LandscapeException.of(target, "cannot create a staging directory: " + e.getMessage());
        }
    }

    /** Renames the finished staging directory to {@code target}, replacing an existing one. */
    public static void commit(Path staging, Path target) {
        try {
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw LandscapeException.of(target, "cannot move the finished directory into place: " + e.getMessage());
        }
    }

    /** Deletes a directory tree (staging cleanup after a failure). */
    public static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            throw LandscapeException.of(p, "cannot delete: " + e.getMessage());
        }
    }
}
