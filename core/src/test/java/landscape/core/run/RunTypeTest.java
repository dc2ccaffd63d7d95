package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunTypeTest {
    @TempDir
    Path tmp;

    @Test
    void aRunWithAnAdapterIsFinetuned() {
        assertEquals(RunType.PRETRAINED, RunType.of(null));
        assertEquals(RunType.PRETRAINED, RunType.of(" "));
        assertEquals(RunType.FINETUNED, RunType.of("/adapters/lora"));
        assertEquals(RunType.FINETUNED, RunType.ofRun(tmp.resolve("a/b/c/0shot"), "/adapters/lora"));
    }

    @Test
    void anExistingRunIsFinetunedOnlyInThePublishedFinetunedLayout() throws IOException {
        assertEquals(RunType.FINETUNED, RunType.ofRun(tmp.resolve("layers/mmlu/finetuned/test/llama/5shot"), null));
        assertEquals(RunType.PRETRAINED, RunType.ofRun(tmp.resolve("layers/mmlu/pretrained/test/llama/5shot"), null));
        // the word elsewhere in the path says nothing about the run
        assertEquals(RunType.PRETRAINED, RunType.ofRun(tmp.resolve("finetuned/experiments/mmlu/test/llama/5shot"), null));
        assertEquals(RunType.PRETRAINED, RunType.ofRun(tmp.resolve("finetuned/llama/5shot"), null));
        // a link is judged by where it points
        Path real = Files.createDirectories(tmp.resolve("published/finetuned/test/llama/0shot"));
        Path link = Files.createSymbolicLink(tmp.resolve("run"), real);
        assertEquals(RunType.FINETUNED, RunType.ofRun(link, null));
    }
}
