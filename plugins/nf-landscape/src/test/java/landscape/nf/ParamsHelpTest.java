package landscape.nf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParamsHelpTest {
    @TempDir
    Path tmp;

    @Test
    void groupsInSchemaOrderWithTypesDescriptionsEnumsAndDefaults() throws IOException {
        Path schema = Files.writeString(tmp.resolve("nextflow_schema.json"), """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "demo pipeline",
                 "description": "Does things.", "type": "object",
                 "$defs": {
                   "b": {"title": "Second", "type": "object", "properties": {
                     "zeta": {"type": "integer", "default": 3, "description": "Zeta count."}}},
                   "a": {"title": "First", "type": "object", "properties": {
                     "shots": {"type": ["array", "integer", "null"], "default": [0, 5], "description": "Shots."},
                     "device": {"type": "string", "enum": ["cpu", "gpu"], "default": "cpu", "description": "Where."},
                     "secret": {"type": "string", "hidden": true, "description": "Not shown."}}}},
                 "allOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}],
                 "properties": {"loose": {"type": "boolean", "description": "Outside groups."}}}
                """);
        String help = ParamsHelp.render(schema, "1.2.3");
        List<String> lines = help.lines().toList();
        assertEquals("demo pipeline (version 1.2.3)", lines.get(0));
        assertEquals("Does things.", lines.get(1));
        int first = lines.indexOf("First");
        int second = lines.indexOf("Second");
        int other = lines.indexOf("Other parameters");
        assertTrue(first > 0 && second > first && other > second, help);
        assertEquals("  --shots   [array, integer]   Shots. [default: 0,5]", lines.get(first + 1));
        assertEquals("  --device  [string]           Where. (one of: cpu, gpu) [default: cpu]", lines.get(first + 2));
        assertEquals("", lines.get(first + 3), "hidden parameters are left out");
        assertEquals("  --zeta    [integer]          Zeta count. [default: 3]", lines.get(second + 1));
        assertEquals("  --loose   [boolean]          Outside groups.", lines.get(other + 1));
        assertFalse(help.contains("secret"));
    }
}
