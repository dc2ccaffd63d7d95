package landscape.core.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import landscape.core.LandscapeException;

/**
 * Writes an output all-or-nothing, the one way every tool does it: the files go into a staging folder next to the
 * target ({@code .<name>.partial-<random>}), which is renamed (or whose files are renamed) into place at the end. The
 * staging folder is removed on failure and on SIGTERM; if the commit fails half-way, what was there before is put
 * back. What the target holds may be replaced only when the output's {@link Rule} recognises it as written by the
 * same tool; anything else is refused with one line that names what is in the way, and left untouched.
 *
 * <p>Three shapes: {@link #directory} replaces a whole directory (a representation directory); {@link #files} moves
 * a set of files into a folder, leaving the folder's other files alone (summaries, figures); {@link #file} replaces
 * one file (stats.json). A staging folder holds a marker ({@value #MARKER}: process id, start time, boot id, host
 * name) while it is in use. When a new staging folder is made, the staging folders of the same target that killed
 * runs left behind are removed: those whose marker names a process of this machine that has ended (or ran here before
 * a reboot), and those without a marker (left by earlier versions) that hold only files the rule says this output
 * writes. A marker of another host (a run on another node into the same shared folder) cannot be checked from here,
 * so its folder is kept, as is any other folder, even one named like a staging folder.
 */
public final class AtomicOutput implements AutoCloseable {
    /** The marker file inside a staging folder while a run uses it. */
    public static final String MARKER = ".landscape-staging";
    private static final String PARTIAL = ".partial-";
    private static final String REPLACED = ".replaced";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Which existing files or folders an output may replace, and which file names it writes. */
    public interface Rule {
        /**
         * Null when {@code existing} (the target directory or file, or a file of the set in the target folder) was
         * written by this output and may be replaced; otherwise what is in the way, in words, without the path
         * (e.g. "holds NOTES.md, which the earlier run did not write").
         */
        String refusal(Path existing);

        /** True for the name of a file this output writes (recognises staging folders left by earlier versions). */
        boolean writes(String name);
    }

    private enum Shape { DIRECTORY, FILES, FILE }

    private final Shape shape;
    private final Path target;
    private final Rule rule;
    private Path staging;
    /** The topmost folder above the target that this output created (null when its parent existed). */
    private final Path createdTop;
    private final Thread cleanup;
    private boolean done;

    private AtomicOutput(Shape shape, Path target, Rule rule) {
        this.shape = shape;
        this.target = target.toAbsolutePath().normalize();
        this.rule = rule;
        Path parent = this.target.getParent();
        if (parent == null) {
            throw LandscapeException.of(target, "cannot write into the file system root");
        }
        Path top = null;
        for (Path p = parent; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            top = p;
        }
        this.createdTop = top;
        createDirectories(target, parent);
        removeLeftovers(parent, this.target.getFileName().toString(), rule);
        // A run stopped by a signal (Ctrl-C, Slurm or Nextflow's SIGTERM) must not leave its staging folder behind:
        // the hook is in place before the folder exists
        this.cleanup = new Thread(this::removeStaging, "landscape-staging-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Path made = createStaging(target, parent, this.target.getFileName().toString());
            synchronized (this) {
                staging = made;
                if (done) { // the hook ran meanwhile
                    deleteQuietly(made);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A directory output, replaced as a whole; checked against {@code rule} now and again at {@link #commit()}. */
    public static AtomicOutput directory(Path target, Rule rule) {
        checkDirectory(target, rule);
        return new AtomicOutput(Shape.DIRECTORY, target, rule);
    }

    /** Files moved into {@code folder} at commit; its other files are left alone. */
    public static AtomicOutput files(Path folder, Rule rule) {
        checkFolder(folder);
        return new AtomicOutput(Shape.FILES, folder, rule);
    }

    /** One file, replaced at commit; write it at {@link #file()}. */
    public static AtomicOutput file(Path file, Rule rule) {
        checkFile(file, rule);
        return new AtomicOutput(Shape.FILE, file, rule);
    }

    /** Refuses (one line) a {@code target} that exists and that {@code rule} does not recognise; creates nothing. */
    public static void checkDirectory(Path target, Rule rule) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String why = Files.isSymbolicLink(target) ? "is a symbolic link"
                : !Files.isDirectory(target) ? "exists and is not a directory" : rule.refusal(target);
        if (why != null) {
            throw refused(target, why);
        }
    }

    /** Refuses a {@code folder} that exists and is not a directory; creates nothing. */
    public static void checkFolder(Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw refused(folder, "exists and is not a directory");
        }
    }

    /** Refuses any of {@code names} in {@code folder} that {@code rule} does not recognise; creates nothing. */
    public static void checkFiles(Path folder, List<String> names, Rule rule) {
        checkFolder(folder);
        for (String name : names) {
            checkFile(folder.resolve(name), rule);
        }
    }

    /** Refuses a {@code file} that exists and that {@code rule} does not recognise; creates nothing. */
    public static void checkFile(Path file, Rule rule) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String why = Files.isSymbolicLink(file) ? "is a symbolic link"
                : Files.isDirectory(file) ? "is a directory" : !Files.isRegularFile(file) ? "is not a regular file"
                : rule.refusal(file);
        if (why != null) {
            throw refused(file, why);
        }
    }

    private static LandscapeException refused(Path what, String why) {
        return LandscapeException.of(what, why + "; refusing to replace it");
    }

    /** The staging folder to write into (for {@link #file}, the folder that holds {@link #file()}). */
    public synchronized Path dir() {
        return staging;
    }

    /** Where to write the one file of a {@link #file} output. */
    public synchronized Path file() {
        if (shape != Shape.FILE) {
            throw new IllegalStateException("not a one-file output");
        }
        return staging.resolve(target.getFileName());
    }

    /**
     * Moves what was written into place and returns the paths in place (the directory, or the files in name order).
     * Checks the target again first (it may have changed during a long run); if a move fails, what was there is
     * restored and the error names the target.
     */
    public synchronized List<Path> commit() {
        if (done) {
            throw new IllegalStateException("already committed or closed: " + target);
        }
        List<Path> placed = switch (shape) {
            case DIRECTORY -> commitDirectory();
            case FILES, FILE -> commitFiles();
        };
        done = true;
        deleteQuietly(staging);
        return placed;
    }

    /** Removes the staging folder unless committed (and the shutdown hook); call it in a finally or try block. */
    @Override
    public void close() {
        removeStaging();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to; nothing to undo
        }
    }

    private synchronized void removeStaging() {
        if (!done) {
            done = true;
            if (staging != null) {
                deleteQuietly(staging);
            }
            removeCreatedParents();
        }
    }

    /** Removes the folders above the target that this output created, as long as they are empty (nothing else's). */
    private void removeCreatedParents() {
        if (createdTop == null) {
            return;
        }
        for (Path p = target.getParent(); p != null && p.startsWith(createdTop); p = p.getParent()) {
            try {
                Files.delete(p);
            } catch (IOException notEmptyOrGone) {
                return;
            }
        }
    }

    private List<Path> commitDirectory() {
        checkDirectory(target, rule);
        Path aside = null;
        try {
            Files.delete(staging.resolve(MARKER));
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                // the old directory goes into a staging folder of its own (with a marker), so that a kill between the
                // two renames leaves it where the next run removes it
                aside = createStaging(target, target.getParent(), target.getFileName().toString());
                Files.move(target, aside.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (aside != null) {
                    Files.move(aside.resolve("old"), target, StandardCopyOption.ATOMIC_MOVE);
                }
                throw e;
            }
        } catch (IOException e) {
            String where = "";
            if (aside != null && Files.exists(aside.resolve("old"), LinkOption.NOFOLLOW_LINKS)) {
                // it could not be put back: keep it, and without a marker, so that no later run removes it
                try {
                    Files.deleteIfExists(aside.resolve(MARKER));
                } catch (IOException ignored) {
                    // the message below says where it is
                }
                where = "; the earlier directory is in " + aside.resolve("old");
            } else if (aside != null) {
                deleteQuietly(aside);
            }
            throw LandscapeException.of(target, "cannot move the finished directory into place: "
                    + LandscapeException.reason(e) + where);
        }
        if (aside != null) {
            deleteQuietly(aside);
        }
        return List.of(target);
    }

    private List<Path> commitFiles() {
        Path folder = shape == Shape.FILE ? target.getParent() : target;
        List<String> names = stagedNames();
        if (shape == Shape.FILES && !Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.delete(staging.resolve(MARKER));
                Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
                return names.stream().map(folder::resolve).toList();
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                writeMarker(staging); // created meanwhile by someone else: move the files one by one below
            } catch (IOException e) {
                throw LandscapeException.of(folder, "cannot move the finished files into place: "
                        + LandscapeException.reason(e));
            }
        }
        checkFiles(folder, names, rule);
        Path backups = staging.resolve(REPLACED);
        List<String> moved = new ArrayList<>();
        try {
            Files.createDirectory(backups);
            for (String name : names) {
                Path dest = folder.resolve(name);
                if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    keepCopy(dest, backups.resolve(name));
                }
                Files.move(staging.resolve(name), dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                moved.add(name);
            }
        } catch (IOException e) {
            restore(folder, backups, moved);
            throw LandscapeException.of(folder, "cannot move the finished files into place (what was there is put back): "
                    + LandscapeException.reason(e));
        }
        return names.stream().map(folder::resolve).toList();
    }

    /** A hard link to {@code file} (a copy where links are not supported), to put it back if the commit fails. */
    private static void keepCopy(Path file, Path backup) throws IOException {
        try {
            Files.createLink(backup, file);
        } catch (UnsupportedOperationException | IOException noLinks) {
            Files.copy(file, backup, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static void restore(Path folder, Path backups, List<String> moved) {
        for (int i = moved.size() - 1; i >= 0; i--) {
            Path dest = folder.resolve(moved.get(i));
            Path backup = backups.resolve(moved.get(i));
            try {
                if (Files.exists(backup, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(backup, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.deleteIfExists(dest);
                }
            } catch (IOException ignored) {
                // best effort: the error that stopped the commit is what the user sees
            }
        }
    }

    /** The files written into the staging folder, in name order (the marker and backups left out). */
    private List<String> stagedNames() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(staging)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.equals(MARKER) || n.equals(REPLACED)) {
                    continue;
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalStateException("staging folder holds a non-file: " + p);
                }
                names.add(n);
            }
        } catch (IOException e) {
            throw LandscapeException.io(staging, "cannot list", e);
        }
        names.sort(Comparator.naturalOrder());
        if (shape == Shape.FILE && !names.equals(List.of(target.getFileName().toString()))) {
            throw new IllegalStateException("one-file output " + target + " staged " + names);
        }
        return names;
    }

    // ---- staging folders ----------------------------------------------------------------------------------

    /** True for a name of the staging-folder pattern {@code .<name>.partial-<anything>}. */
    public static boolean isStagingName(String name) {
        return name.startsWith(".") && name.indexOf(PARTIAL) > 1;
    }

    private static void createDirectories(Path target, Path parent) {
        try {
            Files.createDirectories(parent);
        } catch (FileAlreadyExistsException e) {
            throw LandscapeException.of(target, "cannot create its parent directory: " + e.getFile()
                    + " exists and is not a directory");
        } catch (IOException e) {
            throw LandscapeException.of(target, "cannot create its parent directory: " + LandscapeException.reason(e));
        }
    }

    /**
     * A fresh staging folder {@code .<name>.partial-<random>} in {@code parent}, with its marker. It is created with
     * the process umask (not 0700), so what is moved into place is as readable as anything else the user creates.
     */
    private static Path createStaging(Path target, Path parent, String name) {
        for (int attempt = 0; ; attempt++) {
            Path p = parent.resolve("." + name + PARTIAL + Long.toUnsignedString(RANDOM.nextLong(), 36));
            try {
                Files.createDirectory(p);
                writeMarker(p);
                return p;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw LandscapeException.of(target, "cannot create a staging folder: " + LandscapeException.reason(e));
                }
            } catch (IOException e) {
                throw LandscapeException.of(target, "cannot create a staging folder in " + parent + ": "
                        + LandscapeException.reason(e));
            }
        }
    }

    private static void writeMarker(Path staging) {
        ProcessHandle self = ProcessHandle.current();
        String text = "landscape staging folder: removed by the next run into the same place once this process has ended\n"
                + "pid=" + self.pid() + "\n"
                + "start=" + self.info().startInstant().map(Instant::toString).orElse("") + "\n"
                + "boot=" + bootId() + "\n"
                + "host=" + hostName() + "\n";
        try {
            Files.writeString(staging.resolve(MARKER), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw LandscapeException.of(staging, "cannot write into the staging folder: " + LandscapeException.reason(e));
        }
    }

    /** Linux's boot id: the same pid on another machine, or before a reboot, is another process. Empty elsewhere. */
    static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** This machine's host name (Linux's kernel host name), to tell another node's marker. Empty elsewhere. */
    static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Removes the staging folders of {@code name} in {@code parent} that killed runs left behind (class comment). */
    private static void removeLeftovers(Path parent, String name, Rule rule) {
        String prefix = "." + name + PARTIAL;
        List<Path> candidates;
        try (Stream<Path> s = Files.list(parent)) {
            candidates = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        } catch (IOException e) {
            return; // the staging folder's own creation reports a folder that cannot be used
        }
        for (Path p : candidates) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && isAbandoned(p, rule)) {
                deleteQuietly(p);
            }
        }
    }

    /** True for a staging folder of this output whose run has ended (see the class comment). */
    static boolean isAbandoned(Path dir, Rule rule) {
        Path marker = dir.resolve(MARKER);
        if (Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
            Map<String, String> m = new TreeMap<>();
            try {
                for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        m.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
            return !isRunning(m);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                    && rule.writes(withoutTemporarySuffix(p.getFileName().toString())));
        } catch (IOException e) {
            return false;
        }
    }

    /** False only when the marker's process is known to have ended; a process that cannot be checked may run. */
    private static boolean isRunning(Map<String, String> marker) {
        String host = marker.getOrDefault("host", "");
        String ownHost = hostName();
        if (!host.isEmpty() && !ownHost.isEmpty() && !host.equals(ownHost)) {
            return true; // another node writing into the same shared folder: its process cannot be checked from here
        }
        String boot = marker.getOrDefault("boot", "");
        String own = bootId();
        if (!boot.isEmpty() && !own.isEmpty() && !boot.equals(own)) {
            // this machine before a reboot when the marker names it; without a host line it may be another node
            return host.isEmpty() || ownHost.isEmpty();
        }
        long pid;
        try {
            pid = Long.parseLong(marker.getOrDefault("pid", ""));
        } catch (NumberFormatException e) {
            return false;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        String start = marker.getOrDefault("start", "");
        return start.isEmpty() || h.get().info().startInstant().map(i -> i.toString().equals(start)).orElse(true);
    }

    /** The name a file of a staging folder ends up with ({@code x.partial}, {@code x.tmp} are being written). */
    private static String withoutTemporarySuffix(String name) {
        for (String suffix : new String[] {".partial", ".tmp"}) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    /** Deletes a tree (links themselves, never what they point to), keeping quiet about what cannot be deleted. */
    static void deleteQuietly(Path p) {
        for (int attempt = 0; attempt < 2 && Files.exists(p, LinkOption.NOFOLLOW_LINKS); attempt++) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    try {
                        Files.deleteIfExists(q);
                    } catch (NoSuchFileException gone) {
                        // removed meanwhile
                    } catch (IOException ignored) {
                        // retried once below; a leftover is removed by the next run
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // listed while files were being written: try once more
            }
        }
    }
}
