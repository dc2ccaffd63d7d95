package landscape.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import landscape.core.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * analyze and summarize replace only what they wrote, leave no temporary files when they fail or are stopped, write
 * all their outputs or none (issue 9 §2), and stop on a null, missing or non-finite metric (issue 9 §4).
 */
class OutputsTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private Path layer;
    private Path samples;

    @BeforeEach
    void data() throws IOException {
        layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 10));
        samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
    }

    private int execute(String... args) {
        CommandLine cl = AnalyzeMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private int analyze(String model, int layerIndex, Path out) {
        return execute("--layer", layer.toString(), "--samples", samples.toString(), "--model", model, "--shots", "0",
                "--layer-index", String.valueOf(layerIndex), "--out", out.toString());
    }

    /** Every path below {@code root}, relative, sorted (hidden ones included). */
    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private String lastErrorLine() {
        List<String> lines = err.toString().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    @Test
    void statsOutThatIsAFolderIsRefusedBeforeTheAnalysisAndLeavesNoTmp() throws IOException {
        Path out = Files.createDirectories(dir.resolve("l1.json"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        List<String> before = tree(dir);
        assertEquals(1, analyze("m", 1, out));
        assertTrue(lastErrorLine().contains(out + ": ") && lastErrorLine().contains("is a directory"), err.toString());
        assertEquals(before, tree(dir), "nothing written, nothing left");
    }

    @Test
    void statsOutThatIsAUsersFileIsRefusedAndAnEarlierStatsJsonIsReplaced() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.json"), "{\"todo\": \"keep me\"}");
        assertEquals(1, analyze("m", 1, notes));
        assertTrue(lastErrorLine().contains(notes + ": ") && lastErrorLine().contains("refusing to replace it"),
                err.toString());
        assertEquals("{\"todo\": \"keep me\"}", Files.readString(notes));

        Path stats = dir.resolve("l1.json");
        assertEquals(0, analyze("m", 1, stats), err.toString());
        assertEquals(0, analyze("m", 2, stats), err.toString());
        assertEquals(2, Json.MAPPER.readTree(stats.toFile()).get("run").get("layer").asInt());
        assertEquals(List.of("l1.json", "layer.npy", "notes.json", "samples.csv"), tree(dir));
    }

    @Test
    void summarizeWritesAllItsOutputsOrNoneAndReplacesOnlyItsOwnFiles() throws IOException {
        Path stats = dir.resolve("stats");
        assertEquals(0, analyze("a", 1, stats.resolve("a1.json")), err.toString());
        assertEquals(0, analyze("b", 1, stats.resolve("b1.json")), err.toString());
        Path out = Files.createDirectories(dir.resolve("sum"));
        // a user's file where summarize would write model b's CSV: refused, and a's summary is not written either
        Files.writeString(out.resolve("summary-b-0shot.csv"), "my own table\n");
        List<String> before = tree(dir);
        assertEquals(1, execute("summarize", "--stats", stats.toString(), "--out", out.toString()));
        assertTrue(lastErrorLine().contains(out.resolve("summary-b-0shot.csv") + ": ")
                && lastErrorLine().contains("refusing to replace it"), err.toString());
        assertEquals(before, tree(dir), "no summary, no .tmp, no staging folder");
        assertEquals("my own table\n", Files.readString(out.resolve("summary-b-0shot.csv")));

        // a folder where a CSV goes: the same, and nothing half-written
        Files.delete(out.resolve("summary-b-0shot.csv"));
        Files.createDirectories(out.resolve("summary-b-0shot.csv"));
        List<String> before2 = tree(dir);
        assertEquals(1, execute("summarize", "--stats", stats.toString(), "--out", out.toString()));
        assertEquals(before2, tree(dir));

        // its own earlier outputs are replaced, other files in the folder are left alone
        Files.delete(out.resolve("summary-b-0shot.csv"));
        Files.writeString(out.resolve("README.txt"), "mine");
        assertEquals(0, execute("summarize", "--stats", stats.toString(), "--out", out.toString()), err.toString());
        assertEquals(0, execute("summarize", "--stats", stats.toString(), "--out", out.toString()), err.toString());
        assertEquals(List.of("README.txt", "summary-a-0shot.csv", "summary-a-0shot.json", "summary-b-0shot.csv",
                "summary-b-0shot.json"), tree(out));
    }

    @Test
    void aNullMissingOrNonFiniteMetricStopsSummarizeNamingTheFileAndTheField() throws IOException {
        Path stats = dir.resolve("stats");
        Path good = stats.resolve("l1.json");
        assertEquals(0, analyze("m", 1, good), err.toString());
        String[][] cases = {{"ari_subjects", "null"}, {"core_fraction", "missing"}, {"overlap_letters", "NaN"},
            {"ids", "Infinity"}};
        for (String[] c : cases) {
            ObjectNode j = (ObjectNode) Json.MAPPER.readTree(good.toFile());
            j.with("run").put("layer", 2);
            switch (c[1]) {
                case "null" -> j.putNull(c[0]);
                case "missing" -> j.remove(c[0]);
                case "NaN" -> j.put(c[0], "NaN");
                default -> j.withArray(c[0]).set(1, j.numberNode(Double.POSITIVE_INFINITY));
            }
            Path bad = stats.resolve("l2.json");
            Files.writeString(bad, Json.MAPPER.writeValueAsString(j).replace("\"Infinity\"", "Infinity"));
            Path out = dir.resolve("sum");
            assertEquals(1, execute("summarize", "--stats", stats.toString(), "--out", out.toString()), c[0]);
            String line = lastErrorLine();
            assertTrue(line.contains(bad + ": ") && line.contains(c[0]), line);
            assertTrue(Files.notExists(out), "nothing written for " + c[0]);
        }
    }

    @Test
    void sigtermDuringAnalyzeLeavesNoTemporaryFile() throws Exception {
        Path big = Fixtures.writeLayer(dir, "big.npy", 6000, 64, Fixtures.blobs(6000, 64, 3, 4));
        Path bigSamples = Fixtures.writeSamples(Files.createDirectories(dir.resolve("s")), 6000, 3, null, -1);
        Path out = Files.createDirectories(dir.resolve("stats")).resolve("l1.json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "landscape.analyze.AnalyzeMain", "--layer", big.toString(), "--samples", bigSamples.toString(),
                "--maxk", "2000", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        try {
            // stop it while it works: its staging folder beside --out exists from the start of the analysis
            boolean working = false;
            while (p.isAlive() && !working) {
                working = tree(out.getParent()).stream().anyMatch(n -> n.startsWith(".l1.json.partial-"));
                Thread.sleep(20);
            }
            assertTrue(working && p.isAlive(), "the analysis ended before it could be stopped: "
                    + Files.readString(dir.resolve("log.txt")));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the analysis did not stop");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), tree(dir.resolve("stats")), "no stats.json, no .tmp, no staging folder");
    }
}
