package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import landscape.core.Json;
import landscape.core.testing.ManifestBuilder;
import org.junit.jupiter.api.Test;

class ManifestFamilyTest {
    @Test
    void theModelFamilyIsWrittenAndReadBack() throws Exception {
        Manifest m = ManifestBuilder.manifest().model("q").architecture("Qwen3ForCausalLM").layers(3).hidden(64).vocab(263)
                .intermediate(128).family("qwen3").rows(1).build();
        String json = Json.MAPPER.writeValueAsString(m);
        assertTrue(json.contains("\"family\" : \"qwen3\""), json);
        assertEquals(m.model(), Json.MAPPER.readValue(json, Manifest.class).model());
    }

    @Test
    void aManifestWrittenBeforeTheFamilyWasRecordedStillReads() throws Exception {
        ObjectNode old = Json.MAPPER.valueToTree(ManifestBuilder.manifest().model("l").layers(3).hidden(64)
                .intermediate(160).rows(1).build());
        ((ObjectNode) old.get("model")).remove("family");
        assertTrue(!old.get("model").has("family"));
        Manifest back = Json.MAPPER.treeToValue(old, Manifest.class);
        assertNull(back.model().family());
        assertEquals("LlamaForCausalLM", back.model().architecture());
        assertEquals(160, back.model().intermediateSize());
    }
}
