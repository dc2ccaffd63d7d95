package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A prompt longer than max_position_embeddings is refused before the forward pass unless explicitly allowed. */
class PromptLengthTest {
    @TempDir
    Path tmp;

    /** tiny-llama3 with max_position_embeddings 200: golden prompts 0..3 have 164, 249, 196 and 16 tokens. */
    Path shortModel() throws Exception {
        Path golden = GoldenCases.modelDirs().filter(p -> p.endsWith("tiny-llama3")).findFirst().orElseThrow();
        return ModelDirs.withConfig(golden, tmp.resolve("m"), c -> c.put("max_position_embeddings", 200));
    }

    Path prompts() throws Exception {
        JsonNode exp = GoldenCases.expected(GoldenCases.modelDirs().filter(p -> p.endsWith("tiny-llama3"))
                .findFirst().orElseThrow());
        return GoldenCases.promptsFile(exp, tmp);
    }

    @Test
    void aPromptLongerThanMaxPositionEmbeddingsIsRefusedBeforeTheForwardPass() throws Exception {
        Path model = shortModel();
        Path out = tmp.resolve("out");
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> Extractor.run(ExtractOptions.builder(model, out).prompts(prompts()).build()));
        assertEquals("prompt row 1 (dataset_index 1) has 249 tokens, more than max_position_embeddings 200 of "
                + model.resolve("config.json") + "; shorten it, or pass --allow-long-prompts to extract it anyway",
                e.getMessage());
        assertTrue(Files.notExists(out));
    }

    @Test
    void allowedLongPromptsAreExtractedWithAWarning() throws Exception {
        Path model = shortModel();
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        Extractor.Result r;
        try {
            r = Extractor.run(ExtractOptions.builder(model, tmp.resolve("out")).prompts(prompts()).allowLongPrompts(true)
                    .build());
        } finally {
            System.setErr(old);
        }
        assertEquals(4, r.manifest().rows());
        String err = buf.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("landscape-extract: warning: 1 prompt(s) longer than max_position_embeddings 200")
                && err.contains("(longest: row 1, 249 tokens)"), err);
    }

    @Test
    void theCliRefusesWithOneLineAndAcceptsAllowLongPrompts() throws Exception {
        Path model = shortModel();
        Path prompts = prompts();
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int refused;
        int allowed;
        try {
            refused = ExtractMain.execute("run", "--model", model.toString(), "--prompts", prompts.toString(),
                    "--out", tmp.resolve("a").toString(), "--no-progress");
            allowed = ExtractMain.execute("run", "--model", model.toString(), "--prompts", prompts.toString(),
                    "--out", tmp.resolve("b").toString(), "--no-progress", "--allow-long-prompts");
        } finally {
            System.setErr(old);
        }
        String err = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, refused, err);
        assertEquals(0, allowed, err);
        assertTrue(err.lines().anyMatch(l -> l.startsWith("landscape-extract: prompt row 1 (dataset_index 1) has 249"
                + " tokens, more than max_position_embeddings 200")), err);
        assertTrue(Files.notExists(tmp.resolve("a")));
        assertTrue(Files.isRegularFile(tmp.resolve("b").resolve("manifest.json")));
    }
}
