package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.format.LayerInfo;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import landscape.core.testing.ManifestBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepresentationDirTest {
    @TempDir
    Path tmp;

    static Manifest manifest(List<Manifest.Point> points, int rows) {
        return ManifestBuilder.manifest().hidden(2).vocab(10).heads(1, 1).intermediate(4).shots(2).rows(rows)
                .accuracy(new Manifest.Accuracy(0.5, 0.5, 0.5, 0.5, Map.of("math", new Manifest.SubjectAccuracy(2, 0.5, 0.5))))
                .points(points).build();
    }

    @Test
    void writtenDirectoryReadsBackWithSamplesAndPoints() throws IOException {
        Path target = tmp.resolve("run");
        AtomicOutput out = RepresentationDir.stage(target);
        Path staging = out.dir();
        Safetensors.write(staging.resolve("l0.safetensors"),
                Map.of("layer", Tensor.ofDoubles(DType.F32, new long[] {2, 2}, new double[] {1, 2, 3, 4})), Map.of());
        Safetensors.write(staging.resolve("l1.safetensors"),
                Map.of("layer", Tensor.ofDoubles(DType.F16, new long[] {2, 2}, new double[] {5, 6, 7, 8})), Map.of());
        SamplesCsv.write(staging.resolve(RepresentationDir.SAMPLES), List.of(
                new Sample(0, 10, "math, applied", "A", "B", "A", 17),
                new Sample(1, 11, "math", "C", "C", "C", 18)));
        RepresentationDir.writeManifest(staging, manifest(List.of(
                new Manifest.Point(1, "model.norm", "l1.safetensors", 2, 2, "f16",
                        RepresentationDir.sha256(staging.resolve("l1.safetensors"))),
                new Manifest.Point(0, "model.layers.0.input_layernorm", "l0.safetensors", 2, 2, "f32",
                        RepresentationDir.sha256(staging.resolve("l0.safetensors")))), 2));
        out.commit();
        out.close();
        assertTrue(Files.notExists(staging));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of("run"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(List.of("l0.safetensors", "l1.safetensors", "manifest.json", "samples.csv"), names(target),
                "the staging marker stays behind");

        RepresentationDir d = RepresentationDir.open(target);
        assertEquals(List.of(0, 1), d.points().stream().map(Manifest.Point::index).toList());
        assertArrayEquals(new double[] {5, 6, 7, 8}, d.readMatrix(1).data(), 0.0);
        assertEquals(new LayerInfo(2, 2, DType.F16, 8), d.info(1));
        List<Sample> s = d.samples();
        assertEquals("math, applied", s.get(0).subject());
        assertEquals(11, s.get(1).datasetIndex());
        assertEquals(64, d.point(0).sha256().length());
        assertEquals(0.5, d.manifest().accuracy().perSubject().get("math").accuracy());
        LandscapeException e = assertThrows(LandscapeException.class, () -> d.point(7));
        assertTrue(e.getMessage().contains("no extraction point with index 7"));
    }

    @Test
    void aManifestWithoutShotsRowsOrAPointFileIsRefusedNotReadAsZero() throws IOException {
        // Jackson reads a missing int as 0: a manifest without "shots" would label every stats.json 0-shot
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Safetensors.write(dir.resolve("l0.safetensors"),
                Map.of("layer", Tensor.ofDoubles(DType.F32, new long[] {2, 2}, new double[] {1, 2, 3, 4})), Map.of());
        RepresentationDir.writeManifest(dir, manifest(List.of(new Manifest.Point(0, "m", "l0.safetensors", 2, 2, "f32", null)), 2));
        Path mf = dir.resolve(RepresentationDir.MANIFEST);
        String good = Files.readString(mf);
        assertEquals(2, RepresentationDir.open(dir).manifest().shots());
        for (String field : List.of("format_version", "shots", "rows", "points/0/index", "points/0/file", "points/0/rows",
                "points/0/dim")) {
            ObjectNode root = (ObjectNode) Json.MAPPER.readTree(good);
            String[] path = field.split("/");
            ObjectNode holder = path.length == 1 ? root : (ObjectNode) root.get(path[0]).get(Integer.parseInt(path[1]));
            holder.remove(path[path.length - 1]);
            Files.writeString(mf, root.toString());
            LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationDir.open(dir), field);
            String where = path.length == 1 ? "" : "points[0]: ";
            assertEquals(mf + ": " + where + "field '" + path[path.length - 1] + "' is missing", e.getMessage());
        }
    }

    @Test
    void missingPointFileIsReported() throws IOException {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        RepresentationDir.writeManifest(dir, manifest(List.of(new Manifest.Point(0, "m", "l0.safetensors", 1, 1, "f32", "")), 1));
        LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationDir.open(dir));
        assertTrue(e.getMessage().contains("'l0.safetensors' is missing"), e.getMessage());
    }

    @Test
    void pointFileOutsideTheDirectoryIsRefused() throws IOException {
        Path dir = tmp.resolve("bad2");
        Files.createDirectories(dir);
        RepresentationDir.writeManifest(dir, manifest(List.of(new Manifest.Point(0, "m", "../x.safetensors", 1, 1, "f32", "")), 1));
        assertThrows(LandscapeException.class, () -> RepresentationDir.open(dir));
    }

    @Test
    void csvParserHandlesQuotesNewlinesAndCrlf() {
        List<Csv.Record> r = Csv.parse(Path.of("x.csv"), "a,b\r\n\"x, \"\"y\"\"\",\"multi\nline\"\n,\n");
        assertEquals(List.of(List.of("a", "b"), List.of("x, \"y\"", "multi\nline"), List.of("", "")),
                r.stream().map(Csv.Record::fields).toList());
        assertEquals(List.of(1, 2, 4), r.stream().map(Csv.Record::line).toList());
        assertThrows(LandscapeException.class, () -> Csv.parse(Path.of("x.csv"), "\"open"));
    }

    @Test
    void ragged_csv_line_is_reported_with_its_number() throws IOException {
        Path f = tmp.resolve("s.csv");
        Files.writeString(f, "subject,answer\nmath,A\nmath\n");
        LandscapeException e = assertThrows(LandscapeException.class, () -> SamplesCsv.readTable(f));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void csvThatIsNotUtf8SaysSoAndWhere() throws IOException {
        Path f = tmp.resolve("s.csv");
        Files.write(f, "subject,answer\nmath,A\nh\u00e9t\u00e9,B\n".getBytes(StandardCharsets.ISO_8859_1));
        LandscapeException e = assertThrows(LandscapeException.class, () -> SamplesCsv.readTable(f));
        assertEquals(f + ": line 3 is not UTF-8 text (save the file as UTF-8)", e.getMessage());
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** An earlier run in {@code dir}: manifest.json listing l9.safetensors, samples.csv and that layer file. */
    private static void earlierRun(Path dir) throws IOException {
        Files.createDirectories(dir);
        RepresentationDir.writeManifest(dir, manifest(List.of(
                new Manifest.Point(9, "lm_head", "l9.safetensors", 1, 1, "f32", "")), 1));
        Files.writeString(dir.resolve("l9.safetensors"), "old");
        Files.writeString(dir.resolve("samples.csv"), "row\n0\n");
    }

    @Test
    void commitReplacesAnEarlierRunAndLeavesNoHiddenDirectories() throws IOException {
        Path target = tmp.resolve("run");
        earlierRun(target);
        try (AtomicOutput out = RepresentationDir.stage(target)) {
            Files.writeString(out.dir().resolve("new.txt"), "new");
            out.commit();
        }
        assertEquals("new", Files.readString(target.resolve("new.txt")));
        assertTrue(Files.notExists(target.resolve("l9.safetensors")));
        assertEquals(List.of("run"), names(tmp));
    }

    @Test
    void onlyAnEarlierRunHoldingNothingButWhatItWroteIsReplaceable() throws IOException {
        Path run = tmp.resolve("run");
        earlierRun(run);
        RepresentationDir.checkReplaceable(run);
        Files.writeString(run.resolve("NOTES.md"), "mine");
        assertRefused(run, "holds NOTES.md, not written by the earlier run (it wrote manifest.json, samples.csv and the "
                + "1 layer files its manifest lists)");
        Files.delete(run.resolve("NOTES.md"));
        Files.createDirectories(run.resolve("plots"));
        assertRefused(run, "holds plots/, not written");
        Files.delete(run.resolve("plots"));
        Files.writeString(run.resolve("manifest.json"), "{\"format\": \"something-else\", \"points\": []}");
        assertRefused(run, "holds a manifest.json of something else (format '\"something-else\"', not "
                + "'landscape-representations'): not an earlier run");
        Files.writeString(run.resolve("manifest.json"), "{\"name\": \"web app\"");
        assertRefused(run, "holds a manifest.json that is not valid JSON");
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        for (String n : List.of("a.txt", "b.txt", "c.txt", "d.txt", "e.txt")) {
            Files.writeString(plain.resolve(n), n);
        }
        assertRefused(plain, "holds a.txt, b.txt, c.txt and 2 more and no manifest.json: not an earlier run");
    }

    private static void assertRefused(Path target, String why) {
        LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationDir.checkReplaceable(target));
        assertTrue(e.getMessage().startsWith(target + ": " + why) && e.getMessage().endsWith("; refusing to replace it"),
                e.getMessage());
    }

    @Test
    void commitRefusesToDeleteAFileOrADirectoryThatIsNotARun() throws IOException {
        Path dir = tmp.resolve("home");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "precious");
        Path file = tmp.resolve("file.txt");
        Files.writeString(file, "precious");
        for (Path target : List.of(dir, file)) {
            LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationDir.stage(target));
            assertTrue(e.getMessage().startsWith(target + ": ") && e.getMessage().contains("refusing"), e.getMessage());
            assertThrows(LandscapeException.class, () -> RepresentationDir.checkReplaceable(target));
        }
        // and at commit time, when the user's file appeared during the run
        Path run = tmp.resolve("run");
        earlierRun(run);
        try (AtomicOutput out = RepresentationDir.stage(run)) {
            Files.writeString(run.resolve("notes.txt"), "written during the run");
            assertThrows(LandscapeException.class, out::commit);
        }
        assertEquals("written during the run", Files.readString(run.resolve("notes.txt")));
        assertEquals("precious", Files.readString(dir.resolve("notes.txt")));
        assertEquals("precious", Files.readString(file));
        assertEquals(List.of("file.txt", "home", "run"), names(tmp), "no staging folder left");
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        RepresentationDir.checkReplaceable(empty);
        RepresentationDir.checkReplaceable(tmp.resolve("absent"));
    }

    @Test
    void stagingDirectoryGetsTheUsualPermissionsNotOwnerOnly() throws IOException {
        Assumptions.assumeTrue(
                tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.createDirectory(tmp.resolve("plain"));
        try (AtomicOutput out = RepresentationDir.stage(tmp.resolve("run"))) {
            Path staging = out.dir();
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(staging));
            assertTrue(staging.getFileName().toString().startsWith(".run.partial-"), staging.toString());
        }
    }

    @Test
    void stagingUnderAFileNamesTheProblem() throws IOException {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationDir.stage(file.resolve("out")));
        assertTrue(e.getMessage().contains("is not a directory") || e.getMessage().contains("not a directory"),
                e.getMessage());
    }
}
