package landscape.core.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import landscape.core.LandscapeException;

/**
 * Folders of the Hugging Face hub cache (the layout {@code huggingface_hub} writes under
 * {@code ~/.cache/huggingface/hub}), and plain folders, resolved to the folder whose files are read:
 * <pre>
 * models--Org--Name/                 a repository folder: refs/main names the revision to read
 *   refs/main                        (a commit hash, one line)
 *   snapshots/&lt;rev&gt;/config.json    files are symbolic links, e.g. ../../blobs/&lt;sha256&gt;
 *   blobs/&lt;sha256&gt;
 * </pre>
 * A repository folder ({@code models--…}, {@code datasets--…} holding {@code refs/} or {@code snapshots/}) resolves
 * to {@code snapshots/<refs/main>}; a snapshot folder (inside {@code snapshots/} of such a folder) is read as it is;
 * anything else is a plain folder.
 * Only files are read (refs/main, directory listings, link targets): nothing found in the cache is run.
 */
public final class HubCache {
    /** {@code models--Org--Name}, {@code datasets--Org--Name}, {@code spaces--…}; the hub forbids "--" in names. */
    private static final Pattern REPO_FOLDER = Pattern.compile("(models|datasets|spaces)--(.+)");
    /** A revision as refs/ files hold it: a commit hash (or a name that is a plain file name). */
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final int MAX_REF_BYTES = 256;

    private HubCache() {
    }

    /**
     * A resolved folder: {@code dir} is what to read; {@code name} the display name ({@code Name} of
     * {@code models--Org--Name}, else the folder's own name); {@code repoId} ({@code Org/Name}) and
     * {@code revision} are null for a plain folder.
     */
    public record Location(Path dir, String name, String repoId, String revision) {
        public boolean inHubCache() {
            return repoId != null;
        }
    }

    /**
     * Resolves {@code path} (a repository folder, a snapshot folder or a plain folder; a path that is not a folder is
     * returned as it is). Refused with one line naming the folder: a link to nothing, a repository folder without
     * refs/main (the refs and snapshots that exist are listed), a ref naming a missing snapshot, and a symbolic link in
     * the folder whose target is gone (a partial download, or a snapshot copied without its blobs).
     */
    public static Location resolve(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            if (Files.isSymbolicLink(abs) && !Files.exists(abs)) {
                throw LandscapeException.of(path, "symbolic link to nothing (its target is gone)");
            }
            // not a folder: the reader that needs its files names what is missing
            return new Location(path, abs.getFileName() == null ? abs.toString() : abs.getFileName().toString(), null, null);
        }
        Location loc = repository(path, abs);
        if (loc == null) {
            loc = snapshot(path, abs);
        }
        if (loc == null) {
            // a link to a snapshot or repository folder (e.g. a staged task input) is recognised by where it points
            Path real = realPath(abs);
            if (!real.equals(abs)) {
                Location viaReal = repository(path, real);
                loc = viaReal != null ? viaReal : snapshot(path, real);
            }
        }
        if (loc == null) {
            String name = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
            loc = new Location(path, name, null, null);
        }
        requireNoBrokenLinks(loc.dir());
        return loc;
    }

    /** A repository folder ({@code models--Org--Name}): its refs/main snapshot, or null if {@code dir} is not one. */
    private static Location repository(Path given, Path dir) {
        Matcher m = dir.getFileName() == null ? null : REPO_FOLDER.matcher(dir.getFileName().toString());
        if (m == null || !m.matches()) {
            return null;
        }
        String repoId = m.group(2).replace("--", "/");
        Path snapshots = dir.resolve("snapshots");
        Path main = dir.resolve("refs").resolve("main");
        if (!Files.isDirectory(snapshots) && !Files.isDirectory(dir.resolve("refs"))) {
            return null; // only named like one: a plain folder
        }
        if (!Files.isRegularFile(main)) {
            List<String> snaps = listNames(snapshots, true);
            throw LandscapeException.of(given, "hub cache folder without refs/main (refs: "
                    + orNone(refs(dir.resolve("refs"))) + "; snapshots: " + orNone(snaps) + "); give the snapshot to "
                    + "read as --model/--dataset " + (snaps.isEmpty() ? "<folder>/snapshots/<revision>"
                    : given.resolve("snapshots").resolve(snaps.get(0))));
        }
        String rev = readRef(main);
        Path snap = snapshots.resolve(rev);
        if (!Files.isDirectory(snap)) {
            throw LandscapeException.of(given, "refs/main names revision " + rev + ", but snapshots/" + rev
                    + " is missing (snapshots: " + orNone(listNames(snapshots, true)) + ")");
        }
        return new Location(given.resolve("snapshots").resolve(rev), displayName(repoId), repoId, rev);
    }

    /** A snapshot folder ({@code models--Org--Name/snapshots/<rev>}) judged by {@code where}, or null. */
    private static Location snapshot(Path dir, Path where) {
        Path parent = where.getParent();
        Path repo = parent == null ? null : parent.getParent();
        if (repo == null || repo.getFileName() == null || !parent.getFileName().toString().equals("snapshots")) {
            return null;
        }
        Matcher m = REPO_FOLDER.matcher(repo.getFileName().toString());
        if (!m.matches()) {
            return null;
        }
        String repoId = m.group(2).replace("--", "/");
        return new Location(dir, displayName(repoId), repoId, where.getFileName().toString());
    }

    private static String displayName(String repoId) {
        return repoId.substring(repoId.lastIndexOf('/') + 1);
    }

    private static String readRef(Path ref) {
        byte[] b;
        try (InputStream in = Files.newInputStream(ref)) {
            b = in.readNBytes(MAX_REF_BYTES + 1);
        } catch (IOException e) {
            throw LandscapeException.io(ref, "cannot read", e);
        }
        String rev = new String(b, StandardCharsets.UTF_8).strip();
        if (b.length > MAX_REF_BYTES || !REVISION.matcher(rev).matches()) {
            throw LandscapeException.of(ref, "does not hold a revision (expected one commit hash)");
        }
        return rev;
    }

    /** The refs under {@code refs/} as relative names ({@code main}, {@code pr/1}), sorted. */
    private static List<String> refs(Path refsDir) {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(refsDir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(refsDir, 4)) {
            s.filter(Files::isRegularFile).forEach(p -> out.add(refsDir.relativize(p).toString().replace('\\', '/')));
        } catch (IOException | UncheckedIOException e) {
            throw LandscapeException.of(refsDir, "cannot list: " + e.getMessage());
        }
        out.sort(null);
        return out;
    }

    private static List<String> listNames(Path dir, boolean directories) {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> !directories || Files.isDirectory(p)).forEach(p -> out.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot list: " + e.getMessage());
        }
        out.sort(null);
        return out;
    }

    private static String orNone(List<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    /**
     * Refuses a folder holding a symbolic link whose target does not exist (top level: the files a checkpoint or a
     * dataset is read from). In a snapshot that is a blob that never arrived or was deleted.
     */
    public static void requireNoBrokenLinks(Path dir) {
        List<String> broken = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> Files.isSymbolicLink(p) && !Files.exists(p))
                    .forEach(p -> broken.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot list: " + e.getMessage());
        }
        if (!broken.isEmpty()) {
            broken.sort(null);
            throw LandscapeException.of(dir.resolve(broken.get(0)), "symbolic link to a file that does not exist ("
                    + (broken.size() > 1 ? (broken.size() - 1) + " more such links in the folder; " : "")
                    + "a partial download or a snapshot copied without its blobs: download it again)");
        }
    }
}
