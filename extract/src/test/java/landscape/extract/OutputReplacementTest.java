package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.run.RepresentationDir;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --out} replaces only an earlier representation directory that holds nothing but what that run wrote
 * (issue 9 §2); anything else is refused with one line naming what is in the way, and left byte-identical.
 * Staging folders that killed runs left beside {@code --out} are removed by the next run into the same place.
 */
class OutputReplacementTest {
    @TempDir
    Path tmp;

    private Path model;

    @BeforeEach
    void tinyModel() {
        model = tmp.resolve("model");
        ModelWriter.write(model, ModelTest.spec(DType.F32, false), 42);
    }

    private ExtractOptions run(Path out) {
        return ExtractOptions.builder(model, out).dataset(PromptTemplateTest.SAMPLE, "test", 0).limit(4).progress(false)
                .build();
    }

    /** Every file below {@code dir} (relative name to content), to compare trees byte for byte. */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                String rel = dir.relativize(p).toString();
                out.put(Files.isDirectory(p) ? rel + "/" : rel,
                        Files.isDirectory(p) ? "" : HexFormat.of().formatHex(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    private List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWebProjectWithItsOwnManifestJsonIsRefusedAndLeftByteIdentical() throws IOException {
        Path web = Files.createDirectories(tmp.resolve("site"));
        Files.writeString(web.resolve("manifest.json"), "{\"name\": \"My App\", \"start_url\": \"/\", \"icons\": []}");
        Files.createDirectories(web.resolve("src"));
        Files.writeString(web.resolve("src/index.js"), "console.log('hello');\n");
        Files.writeString(web.resolve("package.json"), "{\"name\": \"site\"}");
        Map<String, String> before = snapshot(web);

        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(run(web)));
        assertTrue(e.getMessage().startsWith(web + ": ") && e.getMessage().contains("manifest.json")
                && e.getMessage().contains("refusing to replace it") && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals(before, snapshot(web));
        assertEquals(List.of("model", "site"), names(tmp), "nothing left beside it either");
    }

    @Test
    void anEarlierRunWithAUsersNotesAddedIsRefusedAndKeepsTheNotes() throws IOException {
        Path out = tmp.resolve("0shot");
        Extractor.run(run(out));
        Files.writeString(out.resolve("NOTES.md"), "# what I saw in this run\n");
        Map<String, String> before = snapshot(out);

        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(run(out)));
        assertTrue(e.getMessage().startsWith(out + ": ") && e.getMessage().contains("NOTES.md")
                && e.getMessage().contains("refusing to replace it"), e.getMessage());
        assertEquals(before, snapshot(out));
        assertEquals(List.of("0shot", "model"), names(tmp));
    }

    @Test
    void anEarlierRunIsReplacedByTheNewOne() throws IOException {
        Path out = tmp.resolve("0shot");
        Extractor.run(run(out));
        Extractor.Result again = Extractor.run(run(out).toBuilder().layers("1-2").build());
        assertEquals(List.of(1, 2), RepresentationDir.open(out).points().stream().map(p -> p.index()).toList());
        assertEquals(List.of("l1.safetensors", "l2.safetensors", "manifest.json", "samples.csv"), names(out),
                "the old run's other layer files are gone with it");
        assertEquals(out, again.dir());
        assertEquals(List.of("0shot", "model"), names(tmp));
    }

    @Test
    void aStagingFolderLeftByAKilledRunIsRemovedByTheNextRunButNothingElseIs() throws IOException {
        Path out = tmp.resolve("l");
        // what a run of the previous version left when killed with SIGKILL while writing its layer files
        Path leftover = Files.createDirectories(tmp.resolve(".l.partial-123"));
        Files.write(leftover.resolve("l0.safetensors.partial"), new byte[4096]);
        Files.write(leftover.resolve("l1.safetensors.partial"), new byte[4096]);
        // hidden folders that only look like one: a user's files, and another output's staging folder
        Path usersOwn = Files.createDirectories(tmp.resolve(".l.partial-notes"));
        Files.writeString(usersOwn.resolve("todo.txt"), "mine");
        Path otherOutput = Files.createDirectories(tmp.resolve(".l2.partial-456"));
        Files.write(otherOutput.resolve("l0.safetensors.partial"), new byte[16]);

        Extractor.run(run(out));
        assertFalse(Files.exists(leftover), "the killed run's staging folder is removed");
        assertEquals("mine", Files.readString(usersOwn.resolve("todo.txt")));
        assertTrue(Files.exists(otherOutput.resolve("l0.safetensors.partial")));
        assertEquals(List.of(".l.partial-notes", ".l2.partial-456", "l", "model"), names(tmp));
    }
}
