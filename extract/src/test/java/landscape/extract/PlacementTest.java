package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.Matrix;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.testing.Tolerance;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;
import landscape.extract.placement.PlacementOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every placement gives the numbers of the plain one (every layer resident on one device): streamed weights, two
 * "devices" on the CPU (each its own thread and layer range, passes pipelined between them), both together, and
 * attention in query blocks, on every golden model and on a sharded bf16 checkpoint, within 1e-6 x max(1, max|value|)
 * per extraction point in f32.
 */
class PlacementTest {
    static final double TOLERANCE = 1e-6;

    @TempDir
    Path tmp;

    static Stream<Path> models() throws Exception {
        return GoldenCases.modelDirs();
    }

    /** The golden prompts and two short ones, so that sliding windows of the golden models are crossed both ways. */
    Path prompts(Path model) throws Exception {
        List<String> prompts = new ArrayList<>(GoldenCases.prompts(GoldenCases.expected(model)));
        prompts.add("Hi");
        prompts.add("Answer: B");
        return GoldenCases.promptsFile(prompts, tmp.resolve("p.jsonl"));
    }

    Extractor.Result run(Path model, Path prompts, String name, long batchTokens, PlacementOptions p) {
        return Extractor.run(ExtractOptions.builder(model, tmp.resolve(name)).prompts(prompts).batchTokens(batchTokens)
                .placement(p).build());
    }

    static PlacementOptions opts(String devices, String placement, String passMemory, String attentionMemory) {
        return new PlacementOptions(devices, placement, null, null, passMemory, attentionMemory);
    }

    /** The worst deviation between two runs over every extraction point; their predictions are the same. */
    static double assertSame(String what, Extractor.Result a, Extractor.Result b) {
        RepresentationDir x = RepresentationDir.open(a.dir());
        RepresentationDir y = RepresentationDir.open(b.dir());
        double worst = 0;
        for (Manifest.Point p : x.points()) {
            Matrix m = x.readMatrix(p.index());
            Matrix n = y.readMatrix(p.index());
            assertEquals(m.rows(), n.rows());
            worst = Math.max(worst, Tolerance.scaled(what + " point " + p.index(), m.data(), n.data(), TOLERANCE));
        }
        assertEquals(x.samples(), y.samples(), what);
        return worst;
    }

    @ParameterizedTest
    @MethodSource("models")
    void streamedAndTwoDeviceRunsEqualThePlainPlacement(Path model) throws Exception {
        Path prompts = prompts(model);
        // a small batch budget: several batches, several passes, so the pipeline has passes in flight
        long budget = 64;
        Extractor.Result plain = run(model, prompts, "plain", budget, opts(null, "resident", null, null));
        Extractor.Result stream = run(model, prompts, "stream", budget, opts(null, "stream", null, null));
        Extractor.Result two = run(model, prompts, "two", budget, opts("cpu:0,cpu:1", "resident", null, null));
        Extractor.Result twoStream = run(model, prompts, "two-stream", budget, opts("cpu:0,cpu:1", "stream", "1K", null));
        assertEquals(Placement.Mode.RESIDENT, plain.plan().placement().mode());
        assertEquals(Placement.Mode.STREAM, stream.plan().placement().mode());
        assertEquals(2, two.plan().placement().slots().size());
        assertEquals(Placement.Mode.STREAM, twoStream.plan().placement().mode());
        assertTrue(plain.stats().batches() > 2, "several batches");
        // resident: a pass is a batch; streamed: every batch in one pass (default budget) or one each (1K)
        assertEquals(plain.stats().batches(), plain.stats().passes());
        assertEquals(1, stream.stats().passes());
        assertEquals(twoStream.stats().batches(), twoStream.stats().passes());
        assertTrue(stream.stats().streamReadSeconds() > 0);
        assertEquals(0.0, plain.stats().streamReadSeconds());
        double s = assertSame("stream", plain, stream);
        double t = assertSame("two devices", plain, two);
        double ts = assertSame("two devices streamed", plain, twoStream);
        System.out.printf("placements %s: stream %.2g, two devices %.2g, two devices streamed %.2g (of max(1,|value|))%n",
                model.getFileName(), s, t, ts);
    }

    /**
     * Attention in four query blocks per prompt (each block its own mask and key range, windows on the sliding
     * layers, soft-capping on Gemma-2) against all queries at once, within 1e-6.
     */
    @ParameterizedTest
    @MethodSource("models")
    void attentionInQueryBlocksEqualsAllQueriesAtOnce(Path model) throws Exception {
        Path prompts = prompts(model);
        Extractor.Result whole = run(model, prompts, "whole", 4096, opts(null, null, null, "1T"));
        Extractor.Result blocks = run(model, prompts, "blocks", 4096, opts(null, null, null,
                String.valueOf(quarterBlock(model, prompts))));
        double d = assertSame("blocked attention", whole, blocks);
        System.out.printf("attention in blocks of T/4 %s: %.2g of max(1,|value|)%n", model.getFileName(), d);
    }

    /**
     * One query per block, the extreme case for the masks (every window edge falls inside a block boundary). The
     * blocks turn the q·k products into one-row products, which PyTorch computes in another order than the
     * [T, T] product: scores differ in their last bit, and through the softmax of scores of size 10-50 that is
     * about 1e-6 of the probabilities (measured up to 1.4e-6 x max(1,|value|) on these models), so this compares at
     * the tolerance the batched-vs-one-by-one test uses for the same reason (GoldenModelTest).
     */
    @ParameterizedTest
    @MethodSource("models")
    void attentionOneQueryAtATimeEqualsAllQueriesAtOnce(Path model) throws Exception {
        Path prompts = prompts(model);
        Extractor.Result whole = run(model, prompts, "whole", 4096, opts(null, null, null, "1T"));
        Extractor.Result blocks = run(model, prompts, "ones", 4096, opts(null, null, null, "1K"));
        RepresentationDir x = RepresentationDir.open(whole.dir());
        RepresentationDir y = RepresentationDir.open(blocks.dir());
        double worst = 0;
        for (Manifest.Point p : x.points()) {
            worst = Math.max(worst, Tolerance.scaled("one query per block, point " + p.index(),
                    x.readMatrix(p.index()).data(), y.readMatrix(p.index()).data(), 1e-5));
        }
        System.out.printf("attention one query at a time %s: %.2g of max(1,|value|)%n", model.getFileName(), worst);
    }

    /** An attention budget that makes about four query blocks of the longest prompt, all prompts in one batch. */
    static long quarterBlock(Path model, Path prompts) throws Exception {
        ModelConfig c = ModelConfig.read(model);
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(prompts)) {
            texts.add(Json.MAPPER.readTree(line).get("prompt").asText());
        }
        int longest = 0;
        try (TextTokenizer tok = TextTokenizer.open(model)) {
            for (long[] ids : tok.encodeAll(texts)) {
                longest = Math.max(longest, ids.length);
            }
        }
        long perQuery = (long) texts.size() * c.numHeads() * longest * 4L;
        return perQuery * ((longest + 3) / 4);
    }

    /** Mistral: a window of 5 on every layer, prompts far longer; the window matters and blocks keep it. */
    @Test
    void mistralSlidingWindowIsKeptByQueryBlocks() throws Exception {
        ObjectNode cfg = ModelWriter.Spec.tiny().config();
        cfg.putArray("architectures").add("MistralForCausalLM");
        cfg.put("model_type", "mistral");
        cfg.put("sliding_window", 5);
        cfg.put("num_hidden_layers", 3);
        Path mistral = tmp.resolve("mistral");
        ModelWriter.write(mistral, cfg, DType.F32, 3, 1, false);
        assertEquals(5, ModelConfig.read(mistral).window(0));
        ObjectNode wide = cfg.deepCopy();
        wide.put("sliding_window", 100000);
        Path noWindow = tmp.resolve("no-window");
        ModelWriter.write(noWindow, wide, DType.F32, 3, 1, false);
        Path prompts = GoldenCases.promptsFile(List.of("The quick brown fox jumps over the lazy dog.",
                "Answer: A", "Sliding windows only see the last few tokens of a long prompt like this one."),
                tmp.resolve("m.jsonl"));
        Extractor.Result whole = run(mistral, prompts, "whole", 4096, opts(null, null, null, "1T"));
        Extractor.Result blocks = run(mistral, prompts, "blocks", 4096, opts(null, null, null, "1K"));
        Extractor.Result twoStream = run(mistral, prompts, "two-stream", 32, opts("cpu:0,cpu:1", "stream", "1K", "1K"));
        Extractor.Result all = run(noWindow, prompts, "all", 4096, opts(null, null, null, "1T"));
        assertSame("mistral blocks", whole, blocks);
        assertSame("mistral two devices streamed in blocks", whole, twoStream);
        RepresentationDir a = RepresentationDir.open(whole.dir());
        RepresentationDir b = RepresentationDir.open(all.dir());
        assertTrue(ModelTest.maxDiff(a.readMatrix(2), b.readMatrix(2)) > 1e-3, "the window changes layer 2's input");
    }

    /**
     * A bf16 checkpoint in three shards: the same values as the single file written with the same seed (make-model
     * does not let sharding change a weight), and every placement equal to the plain one.
     */
    @Test
    void shardedBf16CheckpointGivesTheSameNumbersInEveryPlacement() throws Exception {
        ObjectNode cfg = new ModelWriter.Spec(4, 64, 4, 2, 128, 300, 10000.0, false, DType.BF16).config();
        Path one = tmp.resolve("one");
        Path sharded = tmp.resolve("sharded");
        ModelWriter.write(one, cfg, DType.BF16, 11, 1, false);
        ModelWriter.write(sharded, cfg, DType.BF16, 11, 3, false);
        assertTrue(Files.isRegularFile(sharded.resolve(Checkpoint.INDEX)));
        assertTrue(Files.isRegularFile(sharded.resolve("model-00003-of-00003.safetensors")));
        try (Checkpoint a = Checkpoint.open(one); Checkpoint b = Checkpoint.open(sharded)) {
            assertEquals(3, b.fileSizes().size());
            for (String name : a.names()) {
                assertEquals(a.get(name).data(), b.get(name).data(), name);
            }
        }
        Path prompts = GoldenCases.promptsFile(List.of("The quick brown fox", "Answer: C", "A longer prompt with more"
                + " tokens than the others, to make batches of different lengths"), tmp.resolve("s.jsonl"));
        Extractor.Result plain = run(one, prompts, "plain", 64, opts(null, "resident", null, null));
        Extractor.Result stream = run(sharded, prompts, "stream", 64, opts(null, "stream", null, null));
        Extractor.Result three = run(sharded, prompts, "three", 64, opts("cpu:0,cpu:1,cpu:2", "stream", "1K", "4K"));
        Extractor.Result resident = run(sharded, prompts, "resident", 64, opts("cpu:0,cpu:1", "resident", null, null));
        assertEquals(3, three.plan().placement().slots().size());
        assertSame("sharded streamed", plain, stream);
        assertSame("sharded on three devices", plain, three);
        assertSame("sharded resident on two devices", plain, resident);
    }

    /** make-model writes the Hugging Face index: every tensor in one shard, and total_size = the tensors' bytes. */
    @Test
    void shardIndexListsEveryTensorOnce() throws Exception {
        Path dir = tmp.resolve("index");
        ModelWriter.write(dir, ModelWriter.Spec.tiny().config(), DType.F16, 1, 4, false);
        var index = Json.MAPPER.readTree(dir.resolve(Checkpoint.INDEX).toFile());
        ModelConfig c = ModelConfig.read(dir);
        long bytes = 0;
        for (long[] shape : c.expectedTensors().values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            bytes += n * 2;
        }
        assertEquals(bytes, index.get("metadata").get("total_size").asLong());
        assertEquals(c.expectedTensors().keySet(), toSet(index.get("weight_map").fieldNames()));
    }

    private static Set<String> toSet(Iterator<String> it) {
        Set<String> s = new LinkedHashSet<>();
        it.forEachRemaining(s::add);
        return s;
    }
}
