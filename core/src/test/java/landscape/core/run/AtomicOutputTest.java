package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one all-or-nothing output helper: staging, commit, restore on failure, refusals, leftovers of killed runs. */
class AtomicOutputTest {
    @TempDir
    Path tmp;

    /** Files named *.out that start with "ours" are this output's. */
    static final AtomicOutput.Rule OURS = new AtomicOutput.Rule() {
        @Override
        public String refusal(Path existing) {
            try {
                return Files.readString(existing).startsWith("ours") ? null : "was not written by this test";
            } catch (IOException e) {
                return "cannot be read";
            }
        }

        @Override
        public boolean writes(String name) {
            return name.endsWith(".out");
        }
    };

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void filesGoIntoANewFolderInOneRenameAndReplaceOnlyTheirOwnNamesInAnExistingOne() throws IOException {
        Path folder = tmp.resolve("set");
        try (AtomicOutput out = AtomicOutput.files(folder, OURS)) {
            Files.writeString(out.dir().resolve("a.out"), "ours 1");
            Files.writeString(out.dir().resolve("b.out"), "ours 1");
            assertEquals(List.of(folder.resolve("a.out"), folder.resolve("b.out")), out.commit());
        }
        assertEquals(List.of("a.out", "b.out"), names(folder), "the marker is not moved along");
        Files.writeString(folder.resolve("keep.txt"), "mine");
        try (AtomicOutput out = AtomicOutput.files(folder, OURS)) {
            Files.writeString(out.dir().resolve("b.out"), "ours 2");
            out.commit();
        }
        assertEquals("ours 1", Files.readString(folder.resolve("a.out")));
        assertEquals("ours 2", Files.readString(folder.resolve("b.out")));
        assertEquals("mine", Files.readString(folder.resolve("keep.txt")));
        assertEquals(List.of("set"), names(tmp));
    }

    @Test
    void aFileThatIsNotOursIsRefusedAtCommitAndNothingMoves() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("set"));
        Files.writeString(folder.resolve("b.out"), "someone else's");
        try (AtomicOutput out = AtomicOutput.files(folder, OURS)) {
            Files.writeString(out.dir().resolve("a.out"), "ours");
            Files.writeString(out.dir().resolve("b.out"), "ours");
            LandscapeException e = assertThrows(LandscapeException.class, out::commit);
            assertEquals(folder.resolve("b.out") + ": was not written by this test; refusing to replace it", e.getMessage());
        }
        assertEquals(List.of("b.out"), names(folder));
        assertEquals(List.of("set"), names(tmp));
    }

    @Test
    void whenAMoveFailsHalfWayWhatWasThereIsPutBack() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("set"));
        Files.writeString(folder.resolve("a.out"), "ours, old a");
        Files.writeString(folder.resolve("b.out"), "ours, old b");
        // a rule that, once b.out has been checked, puts a non-empty folder where b.out goes: its move fails
        AtomicOutput.Rule sabotage = new AtomicOutput.Rule() {
            @Override
            public String refusal(Path existing) {
                if (existing.getFileName().toString().equals("b.out")) {
                    try {
                        Files.delete(existing);
                        Files.createDirectories(existing.resolve("in-the-way"));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return null;
            }

            @Override
            public boolean writes(String name) {
                return true;
            }
        };
        try (AtomicOutput out = AtomicOutput.files(folder, sabotage)) {
            Files.writeString(out.dir().resolve("a.out"), "new a");
            Files.writeString(out.dir().resolve("b.out"), "new b");
            LandscapeException e = assertThrows(LandscapeException.class, out::commit);
            assertTrue(e.getMessage().startsWith(folder + ": cannot move the finished files into place (what was there is "
                    + "put back)"), e.getMessage());
        }
        assertEquals("ours, old a", Files.readString(folder.resolve("a.out")), "a.out is restored");
        assertEquals(List.of("set"), names(tmp), "no staging folder left");
    }

    @Test
    void oneFileIsReplacedInPlaceAndAFolderInItsWayIsRefused() throws IOException {
        Path file = tmp.resolve("stats.out");
        try (AtomicOutput out = AtomicOutput.file(file, OURS)) {
            assertTrue(out.file().getParent().getFileName().toString().startsWith(".stats.out.partial-"));
            Files.writeString(out.file(), "ours 1");
            assertEquals(List.of(file), out.commit());
        }
        try (AtomicOutput out = AtomicOutput.file(file, OURS)) {
            Files.writeString(out.file(), "ours 2");
            out.commit();
        }
        assertEquals("ours 2", Files.readString(file));
        assertEquals(List.of("stats.out"), names(tmp));
        Path dir = Files.createDirectories(tmp.resolve("d.out"));
        LandscapeException e = assertThrows(LandscapeException.class, () -> AtomicOutput.file(dir, OURS));
        assertEquals(dir + ": is a directory; refusing to replace it", e.getMessage());
    }

    @Test
    void closingWithoutACommitRemovesTheStagingFolder() throws IOException {
        try (AtomicOutput out = AtomicOutput.directory(tmp.resolve("run"), OURS)) {
            Files.writeString(out.dir().resolve("half.out"), "ours");
        }
        assertEquals(List.of(), names(tmp));
    }

    @Test
    void closingWithoutACommitAlsoRemovesTheParentFoldersItCreated() throws IOException {
        // a failed analysis into results/stats/l1.json must not leave results/stats behind; folders that were there
        // (and anything in a created folder that someone else put there meanwhile) stay
        Files.createDirectories(tmp.resolve("results"));
        try (AtomicOutput out = AtomicOutput.file(tmp.resolve("results/new/deeper/l1.out"), OURS)) {
            Files.writeString(out.file(), "ours");
        }
        assertEquals(List.of("results"), names(tmp));
        assertEquals(List.of(), names(tmp.resolve("results")));
        try (AtomicOutput out = AtomicOutput.file(tmp.resolve("results/new/deeper/l1.out"), OURS)) {
            Files.writeString(tmp.resolve("results/new/other.txt"), "someone else's");
            Files.writeString(out.file(), "ours");
        }
        assertEquals(List.of("other.txt"), names(tmp.resolve("results/new")));
        try (AtomicOutput out = AtomicOutput.file(tmp.resolve("results/b/l1.out"), OURS)) {
            Files.writeString(out.file(), "ours");
            out.commit();
        }
        assertEquals(List.of("l1.out"), names(tmp.resolve("results/b")));
        try (AtomicOutput out = AtomicOutput.files(tmp.resolve("results/c/figs"), OURS)) {
            Files.writeString(out.dir().resolve("a.out"), "ours");
        }
        assertEquals(List.of("b", "new"), names(tmp.resolve("results")));
    }

    /** A staging folder of target "set" with a marker naming {@code pid}, started at {@code start}, on {@code boot}. */
    private Path marked(String suffix, long pid, String start, String boot) throws IOException {
        return marked(suffix, pid, start, boot, AtomicOutput.hostName());
    }

    /** The same, with the marker naming {@code host} (null: no host line, as the first markers were written). */
    private Path marked(String suffix, long pid, String start, String boot, String host) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(".set.partial-" + suffix));
        Files.writeString(dir.resolve(AtomicOutput.MARKER), "landscape staging folder\npid=" + pid + "\nstart=" + start
                + "\nboot=" + boot + "\n" + (host == null ? "" : "host=" + host + "\n"));
        Files.writeString(dir.resolve("x.out"), "ours, half written");
        return dir;
    }

    @Test
    void stagingFoldersOfEndedRunsAreRemovedThoseOfRunningOnesAndEverythingElseKept() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor(30, TimeUnit.SECONDS);
        ProcessHandle self = ProcessHandle.current();
        String selfStart = self.info().startInstant().map(Instant::toString).orElse("");
        String boot = AtomicOutput.bootId();
        marked("ended", ended.pid(), "", boot);
        marked("reused-pid", self.pid(), "1970-01-01T00:00:00Z", boot);
        marked("rebooted", self.pid(), selfStart, boot + "-before");
        marked("running", self.pid(), selfStart, boot);
        // a run on another node of a cluster, into the same shared folder: its process cannot be checked from here,
        // so its staging folder is left alone, whatever its pid and boot id say
        marked("other-node", ended.pid(), "", boot + "-elsewhere", "node17");
        marked("other-node-same-boot-id", ended.pid(), "", boot, "node17");
        // a marker without a host line and with another boot id: another node or a reboot, which cannot be told apart
        marked("no-host", ended.pid(), "", boot + "-elsewhere", null);
        Path old = Files.createDirectories(tmp.resolve(".set.partial-noMarker"));
        Files.writeString(old.resolve("a.out.partial"), "");
        Files.writeString(old.resolve("b.out"), "");
        Path foreign = Files.createDirectories(tmp.resolve(".set.partial-foreign"));
        Files.writeString(foreign.resolve("a.out"), "");
        Files.writeString(foreign.resolve("diary.txt"), "mine");
        Files.writeString(tmp.resolve(".set.partial-file"), "a file named like a staging folder");
        Path otherTarget = Files.createDirectories(tmp.resolve(".settings.partial-1"));
        Files.writeString(otherTarget.resolve("a.out"), "");

        try (AtomicOutput out = AtomicOutput.files(tmp.resolve("set"), OURS)) {
            Files.writeString(out.dir().resolve("a.out"), "ours");
            out.commit();
        }
        assertEquals(List.of(".set.partial-file", ".set.partial-foreign", ".set.partial-no-host", ".set.partial-other-node",
                ".set.partial-other-node-same-boot-id", ".set.partial-running", ".settings.partial-1", "set"), names(tmp));
    }

    @Test
    void aStagingNameIsHiddenAndHasThePartialInfix() {
        assertTrue(AtomicOutput.isStagingName(".l1.json.partial-abc"));
        assertTrue(!AtomicOutput.isStagingName("l1.json.partial-abc") && !AtomicOutput.isStagingName(".partial-abc"));
    }
}
