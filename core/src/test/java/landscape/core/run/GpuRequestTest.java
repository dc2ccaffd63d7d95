package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GPUs each EXTRACT job requests: from the parameters, or from a model's plan; and the parameter checks. */
class GpuRequestTest {
    @TempDir
    Path tmp;

    /** A plan --json as landscape-extract writes it (only the fields read here, with a real 70B's numbers). */
    private Path plan(String name, boolean fits, String resident, String stream) throws IOException {
        return Files.writeString(tmp.resolve(name + ".json"), "{\"fits\": " + fits + ", \"placement\": \"stream\","
                + " \"gpus\": 1, \"model\": {\"path\": \"/models/" + name + "\", \"layers\": 80},"
                + " \"fewest_devices\": {\"memory_bytes\": 85899345920, \"resident\": " + resident + ", \"stream\": "
                + stream + "}}");
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("device", "cpu");
        m.put("gpus_per_extract", 1);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String refusal(Map<String, Object> params) {
        return assertThrows(LandscapeException.class, () -> GpuRequest.check(params)).getMessage();
    }

    @Test
    void extractionOnTheCpuRequestsNoGpuWhateverTheCount() {
        assertEquals(0, GpuRequest.perExtract(1, "cpu", null));
        assertEquals(0, GpuRequest.perExtract("auto", "cpu", null));
        assertEquals(0, GpuRequest.perExtract(4, "gpu", "cpu:0,cpu:1"));
        assertFalse(GpuRequest.onGpus("cpu", true)); // a bare --devices on the command line is not a device list
    }

    @Test
    void extractionOnGpusRequestsTheCountOrLeavesItToThePlan() {
        assertEquals(1, GpuRequest.perExtract(1, "gpu", null));
        assertEquals(2, GpuRequest.perExtract("2", "gpu", null));
        assertEquals(0, GpuRequest.perExtract(0, "gpu", null));
        assertEquals(2, GpuRequest.perExtract(2, "cpu", "gpu:0,gpu:1")); // --devices overrides --device, as in the tool
        assertEquals(3, GpuRequest.perExtract(3, null, "auto"));
        assertNull(GpuRequest.perExtract("auto", "gpu", null));
    }

    @Test
    void theSeventyBillionModelGetsItsFewestResidentGpusAndOneStreamed() throws IOException {
        Path p70 = plan("llama-3-70b", true, "2", "1");
        assertEquals(2, GpuRequest.fromPlan(p70, "auto"));
        assertEquals(2, GpuRequest.fromPlan(p70, null));
        assertEquals(2, GpuRequest.fromPlan(p70, "resident"));
        assertEquals(1, GpuRequest.fromPlan(p70, "stream"));
        Path p8 = plan("llama-3-8b", true, "1", "1");
        assertEquals(1, GpuRequest.fromPlan(p8, "auto"));
        assertEquals(1, GpuRequest.fromPlan(p8, "resident"));
    }

    @Test
    void aModelNoNumberOfGpusHoldsResidentStreamsOnOneOrIsRefusedForResident() throws IOException {
        Path p = plan("huge", true, "null", "1");
        assertEquals(1, GpuRequest.fromPlan(p, "auto"));
        String m = assertThrows(LandscapeException.class, () -> GpuRequest.fromPlan(p, "resident")).getMessage();
        assertEquals("/models/huge: does not fit resident on any number of GPUs of 80.0 GiB; use --placement stream"
                + " (one GPU) or auto", m);
        Path refused = plan("refused", false, "null", "null");
        assertTrue(assertThrows(LandscapeException.class, () -> GpuRequest.fromPlan(refused, "auto")).getMessage()
                .endsWith("refused.json: not a plan that fits (landscape-extract plan --json)"));
    }

    @Test
    void autoOnGpusNeedsOneDeviceMemoryAndNoDeviceList() {
        GpuRequest.check(params("device", "gpu", "gpus_per_extract", "auto", "device_memory", "80G"));
        GpuRequest.check(params("device", "gpu", "gpus_per_extract", "auto", "device_memory", "80G", "devices", "auto"));
        GpuRequest.check(params("gpus_per_extract", "auto")); // on the CPU: nothing to plan
        assertEquals("--gpus_per_extract auto plans each model on GPUs of --device_memory: give the memory of one GPU of"
                + " the GPU partition, e.g. --device_memory 80G", refusal(params("device", "gpu", "gpus_per_extract",
                "auto")));
        assertTrue(refusal(params("device", "gpu", "gpus_per_extract", "auto", "device_memory", "80G,40G"))
                .startsWith("--gpus_per_extract auto needs one --device_memory for every GPU"));
        assertTrue(refusal(params("device", "gpu", "gpus_per_extract", "auto", "device_memory", "80G", "devices",
                "gpu:0,gpu:1")).startsWith("--gpus_per_extract auto gives each EXTRACT every GPU of its job"));
    }

    @Test
    void aDeviceListNeedsAsManyGpusAsItsHighestIndex() {
        GpuRequest.check(params("devices", "gpu:0,gpu:1", "gpus_per_extract", 2));
        GpuRequest.check(params("devices", "gpu:0,gpu:1", "gpus_per_extract", 0)); // the partition hands them out
        assertEquals("--devices gpu:0,gpu:1 needs 2 GPUs in each EXTRACT job, but --gpus_per_extract is 1",
                refusal(params("devices", "gpu:0,gpu:1")));
        assertTrue(refusal(params("devices", "gpu:1", "gpus_per_extract", 1)).contains("needs 2 GPUs"));
        assertEquals("--device gpu and --devices cpu:0,cpu:1 disagree; give one of them",
                refusal(params("device", "gpu", "devices", "cpu:0,cpu:1")));
        assertTrue(refusal(params("devices", "cpu:0,gpu:1")).startsWith("--devices: mixing cpu and gpu"));
        assertTrue(refusal(params("devices", "tpu:0")).startsWith("--devices: expected cpu, cpu:N, gpu:N"));
        assertTrue(refusal(params("gpus_per_extract", "two")).startsWith("--gpus_per_extract: a number of GPUs"));
    }

    @Test
    void siteOptionsMayNameAGpuTypeButNeitherThePartitionNorTheCount() {
        GpuRequest.check(params("gpu_cluster_options", "--gres=gpu:a100:1 --account=lab --qos=high"));
        GpuRequest.check(params("gpu_cluster_options", true)); // --gpu_cluster_options '' on the command line
        for (String bad : new String[] {"-p gpu", "-pgpu", "--partition=gpu", "--partition gpu"}) {
            assertTrue(refusal(params("gpu_cluster_options", "--account=x " + bad))
                    .startsWith("--gpu_cluster_options: choose the partition with --gpu_queue"), bad);
        }
        for (String bad : new String[] {"--gpus=2", "--gpus 2", "-G 2", "-G2", "--gpus-per-node=2", "--gres gpu:2"}) {
            assertTrue(refusal(params("gpu_cluster_options", bad))
                    .startsWith("--gpu_cluster_options: the number of GPUs comes from --gpus_per_extract"), bad);
        }
    }
}
