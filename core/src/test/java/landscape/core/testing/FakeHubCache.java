package landscape.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds a Hugging Face hub cache folder the way {@code huggingface_hub} lays one out: every file's bytes in
 * {@code blobs/<sha256>}, the revision's tree in {@code snapshots/<rev>/} as relative symbolic links
 * ({@code ../../blobs/<sha256>}, one more {@code ../} per subfolder), and {@code refs/main} holding the revision.
 */
public final class FakeHubCache {
    private FakeHubCache() {
    }

    /**
     * Copies the tree of {@code source} into {@code <cache>/<kind>s--<org>--<name>} (kind "model" or "dataset") at
     * revision {@code rev}, with refs/main pointing at it; returns the repository folder.
     */
    public static Path build(Path source, Path cache, String kind, String repoId, String rev) {
        Path repo = cache.resolve(kind + "s--" + repoId.replace("/", "--"));
        try {
            addSnapshot(source, repo, rev);
            Files.createDirectories(repo.resolve("refs"));
            Files.writeString(repo.resolve("refs/main"), rev);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return repo;
    }

    /** Adds {@code source}'s tree as {@code snapshots/<rev>} of {@code repo} (no ref); returns the snapshot folder. */
    public static Path addSnapshot(Path source, Path repo, String rev) throws IOException {
        Path snap = repo.resolve("snapshots").resolve(rev);
        Path blobs = repo.resolve("blobs");
        Files.createDirectories(blobs);
        List<Path> files;
        try (Stream<Path> s = Files.walk(source)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            Path rel = source.relativize(f);
            byte[] bytes = Files.readAllBytes(f);
            String sha = sha256(bytes);
            Path blob = blobs.resolve(sha);
            if (!Files.exists(blob)) {
                Files.write(blob, bytes);
            }
            Path link = snap.resolve(rel.toString());
            Files.createDirectories(link.getParent());
            Path up = Path.of("..", "..");
            for (int i = 1; i < rel.getNameCount(); i++) {
                up = up.resolve("..");
            }
            Files.createSymbolicLink(link, up.resolve("blobs").resolve(sha));
        }
        return snap;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
