package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import landscape.core.Json;
import org.junit.jupiter.api.Test;

class ManifestFamilyTest {
    static Manifest manifest(Manifest.ModelInfo model) {
        return new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, model, null, "mmlu", "test", 0, "mmlu-v1", null,
                null, "f32", 1, "2026-11-26T00:00:00Z", "0.1.0", null, List.of());
    }

    @Test
    void theModelFamilyIsWrittenAndReadBack() throws Exception {
        Manifest m = manifest(new Manifest.ModelInfo("q", "/m", "Qwen3ForCausalLM", 3, 64, 263, 4, 2, 128, "qwen3"));
        String json = Json.MAPPER.writeValueAsString(m);
        assertTrue(json.contains("\"family\" : \"qwen3\""), json);
        assertEquals(m.model(), Json.MAPPER.readValue(json, Manifest.class).model());
    }

    @Test
    void aManifestWrittenBeforeTheFamilyWasRecordedStillReads() throws Exception {
        ObjectNode old = Json.MAPPER.valueToTree(manifest(
                new Manifest.ModelInfo("l", "/m", "LlamaForCausalLM", 3, 64, 262, 4, 2, 160)));
        ((ObjectNode) old.get("model")).remove("family");
        assertTrue(!old.get("model").has("family"));
        Manifest back = Json.MAPPER.treeToValue(old, Manifest.class);
        assertNull(back.model().family());
        assertEquals("LlamaForCausalLM", back.model().architecture());
        assertEquals(160, back.model().intermediateSize());
    }
}
