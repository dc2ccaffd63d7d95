package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import landscape.core.cli.UsageError;
import org.junit.jupiter.api.Test;

class ExtractOptionsTest {
    private static final Path MODEL = Path.of("m");
    private static final Path OUT = Path.of("o");

    @Test
    void combinationsThatCannotRunAreUsageErrorsNamingTheOptions() {
        record Case(ExtractOptions.Builder builder, String message) {
        }
        for (Case c : List.of(
                new Case(ExtractOptions.builder(MODEL, OUT), "give --dataset DIR --split S (or --prompts FILE.jsonl)"),
                new Case(ExtractOptions.builder(MODEL, OUT).dataset(Path.of("d"), null, 0),
                        "give --dataset DIR --split S (or --prompts FILE.jsonl)"),
                new Case(ExtractOptions.builder(MODEL, OUT).dataset(Path.of("d"), "test", 0).prompts(Path.of("p")),
                        "--prompts and --dataset are mutually exclusive"),
                new Case(ExtractOptions.builder(MODEL, null).prompts(Path.of("p")), "--out is required"),
                new Case(ExtractOptions.builder(MODEL, OUT).prompts(Path.of("p")).batchTokens(0),
                        "--batch-tokens: must be positive"),
                new Case(ExtractOptions.builder(MODEL, OUT).prompts(Path.of("p")).limit(0),
                        "--limit: must be at least 1, got 0"))) {
            assertEquals(c.message(), assertThrows(UsageError.class, c.builder()::build).getMessage());
        }
    }

    @Test
    void toBuilderKeepsEveryOption() {
        ExtractOptions o = ExtractOptions.builder(MODEL, OUT).modelId("id").adapter(Path.of("a"))
                .dataset(Path.of("d"), "val", 3).shuffleShots(true, 9).limit(5).mask(Path.of("k.npy")).layers("0-2")
                .batchTokens(77).device("gpu").dtype("f16").progress(true).build();
        ExtractOptions copy = o.toBuilder().build();
        List<Function<ExtractOptions, Object>> fields = List.of(ExtractOptions::model, ExtractOptions::modelId,
                ExtractOptions::adapter, ExtractOptions::dataset, ExtractOptions::split, ExtractOptions::shots,
                ExtractOptions::shuffleShots, ExtractOptions::seed, ExtractOptions::prompts, ExtractOptions::limit,
                ExtractOptions::mask, ExtractOptions::layers, ExtractOptions::batchTokens, ExtractOptions::device,
                ExtractOptions::dtype, ExtractOptions::out, ExtractOptions::progress);
        for (Function<ExtractOptions, Object> f : fields) {
            assertEquals(f.apply(o), f.apply(copy));
        }
        assertEquals(List.of(MODEL, "id", Path.of("a"), Path.of("d"), "val", 3, true, 9L, 5, "0-2", 77L, "gpu", "f16",
                OUT, true), List.of(o.model(), o.modelId(), o.adapter(), o.dataset(), o.split(), o.shots(),
                o.shuffleShots(), o.seed(), o.limit(), o.layers(), o.batchTokens(), o.device(), o.dtype(), o.out(),
                o.progress()));
        assertEquals(64L, o.toBuilder().batchTokens(64).build().batchTokens());
        assertEquals(77L, o.batchTokens());
    }
}
