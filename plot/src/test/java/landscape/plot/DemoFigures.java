package landscape.plot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders the demo figure set from paper-like synthetic summaries (4 shot counts over 32 layers), for looking at:
 * {@code java -cp ... landscape.plot.DemoFigures OUT [models]}.
 */
public final class DemoFigures {
    private DemoFigures() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/demo-figures");
        int models = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Path stats = Files.createTempDirectory("demo-stats");
        String[] names = {"Meta-Llama-3-8B", "Mistral-7B-v0.1", "Llama-2-70b (80 layers)"};
        if (models == 0) {
            // the golden analysis sets as the three layers of one model, at 0 and 5 shots
            List<Path> sets = Summaries.goldenSets();
            for (int shots : new int[] {0, 5}) {
                List<landscape.core.run.LayerStats.SummaryLayer> layers = new ArrayList<>();
                for (int i = 0; i < sets.size(); i++) {
                    layers.add(Summaries.goldenLayer(sets.get(i), i));
                }
                Summaries.write(stats, Summaries.withLayers(Summaries.fromGolden(sets.get(0), "golden", shots, 1), layers));
            }
        }
        for (int m = 0; m < models; m++) {
            for (int shots : new int[] {0, 1, 2, 5}) {
                Summaries.write(stats, Summaries.paperLike(names[m], shots, m == 2 ? 80 : 32));
            }
        }
        String title = args.length > 2 ? args[2] : null;
        FigureSet.Result r = FigureSet.render(List.of(stats), out, PlotOptions.defaults().withTitle(title));
        System.out.println("wrote " + r.files());
    }
}
