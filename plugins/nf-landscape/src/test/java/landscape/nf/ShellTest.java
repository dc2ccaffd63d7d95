package landscape.nf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellTest {
    @TempDir
    Path tmp;

    @Test
    void plainWordsStayAsTheyAre() {
        assertEquals("tiny-llama3", Shell.quote("tiny-llama3"));
        assertEquals("4096", Shell.quote(4096L));
        assertEquals("--gres=gpu:1", Shell.quote("--gres=gpu:1"));
        assertEquals("0-3,33", Shell.quote("0-3,33"));
        assertEquals("''", Shell.quote(""));
        assertEquals("''", Shell.quote(null));
    }

    @Test
    void anythingElseIsSingleQuoted() {
        assertEquals("'a b'", Shell.quote("a b"));
        assertEquals("'m$(touch x)'", Shell.quote("m$(touch x)"));
        assertEquals("'it'\\''s'", Shell.quote("it's"));
        assertEquals("'~'", Shell.quote("~"));
    }

    @Test
    void listArgumentsAreQuotedWordByWordAndStringsKeptAsWritten() {
        List<Object> args = new ArrayList<>(Arrays.asList("--device", "cpu", "--limit", 10, List.of(), null,
                List.of("--layers", "1; touch x")));
        assertEquals("--device cpu --limit 10 --layers '1; touch x'", Shell.args(args));
        assertEquals("--foo bar", Shell.args("--foo bar"));
        assertEquals("", Shell.args(null));
    }

    /** What bash makes of the quoted words: exactly the values, and nothing run. */
    @Test
    void bashReadsTheQuotedWordsBackUnchanged() throws IOException, InterruptedException {
        List<String> values = List.of("plain", "a b", "it's \"quoted\"", "m$(touch PWNED)", "m`touch PWNED`",
                "modèle-ü", "back\\slash", "*", "new\nline", "");
        StringBuilder script = new StringBuilder("for a in");
        values.forEach(v -> script.append(' ').append(Shell.quote(v)));
        script.append("; do printf '%s\\0' \"$a\"; done\n");
        Process p = new ProcessBuilder("bash", "-c", script.toString()).directory(tmp.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        assertEquals(values, Arrays.asList(out.split("\0", -1)).subList(0, values.size()));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "nothing was run");
        }
    }
}
