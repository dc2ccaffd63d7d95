package landscape.extract;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import landscape.core.LandscapeVersion;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.RowMask;
import landscape.extract.model.LoraAdapter;
import landscape.extract.model.ModelConfig;

/** Manifest building: what a finished run records about itself in {@code manifest.json} (docs/FORMAT.md). */
final class RunManifest {
    private RunManifest() {
    }

    /** The manifest of a run of {@code o} whose layer files (listed in {@code points}) are written. */
    static Manifest of(ExtractOptions o, ModelConfig c, LoraAdapter adapter, ComputeTarget target, int rows,
                       Manifest.Accuracy accuracy, List<Manifest.Point> points) {
        boolean jsonl = o.prompts() != null;
        return new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, modelInfo(o, c),
                adapter == null ? null : absolute(adapter.dir()),
                absolute(jsonl ? o.prompts() : o.dataset()),
                jsonl ? null : o.split(), jsonl ? 0 : o.shots(), PromptSelection.templateName(o), o.limit(),
                o.mask() == null ? null : new RowMask(o.mask()).recordedPath(), target.label(), rows,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), LandscapeVersion.get(), accuracy, points);
    }

    /** The model's name (from {@code --model-id}, else its folder), path and config summary. */
    static Manifest.ModelInfo modelInfo(ExtractOptions o, ModelConfig c) {
        Path modelPath = o.model().toAbsolutePath().normalize();
        String id = o.modelId() != null ? o.modelId() : modelPath.getFileName().toString();
        return new Manifest.ModelInfo(id, modelPath.toString(), c.architecture(), c.numLayers(), c.hiddenSize(),
                c.vocabSize(), c.numHeads(), c.numKvHeads(), c.intermediateSize(), c.family().label());
    }

    /** One entry per written layer file in {@code dir}: index, module, file, shape, dtype and checksum. */
    static List<Manifest.Point> points(ModelConfig c, SortedSet<Integer> points, Path dir, int rows, ComputeTarget target) {
        List<Manifest.Point> out = new ArrayList<>();
        for (int p : points) {
            String file = RepresentationDir.layerFile(p);
            out.add(new Manifest.Point(p, c.pointModule(p), file, rows, c.pointDim(p), target.fileType().label(),
                    RepresentationDir.sha256(dir.resolve(file))));
        }
        return out;
    }

    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }
}
