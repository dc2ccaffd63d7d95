package landscape.core.run;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Pretrained or finetuned: the one rule, used by the pipeline (where results are published), by the plugin (the
 * {@code type} of every channel item) and by landscape-analyze (the stats of a reference run). A run made with a
 * LoRA adapter is finetuned. An existing run directory is finetuned when its manifest names an adapter, or when it
 * lies in the published layout under a {@code finetuned} folder: {@code .../finetuned/<split>/<model>/<k>shot}, as
 * the reference pipeline and this project publish fine-tuned runs. Everything else is pretrained.
 */
public final class RunType {
    public static final String PRETRAINED = "pretrained";
    public static final String FINETUNED = "finetuned";

    private RunType() {
    }

    /** The type of a run made with {@code adapter} (null or blank: none). */
    public static String of(Object adapter) {
        return adapter == null || adapter.toString().isBlank() ? PRETRAINED : FINETUNED;
    }

    /** The type of an existing run directory whose manifest names {@code adapter} (null when none, or no manifest). */
    public static String ofRun(Path runDir, String adapter) {
        if (FINETUNED.equals(of(adapter))) {
            return FINETUNED;
        }
        return underFinetunedFolder(runDir) ? FINETUNED : PRETRAINED;
    }

    /** True for {@code .../finetuned/<split>/<model>/<k>shot} (the real path when the directory is a link). */
    static boolean underFinetunedFolder(Path runDir) {
        Path dir;
        try {
            dir = runDir.toRealPath();
        } catch (IOException | RuntimeException e) {
            dir = runDir.toAbsolutePath().normalize();
        }
        int n = dir.getNameCount();
        return n >= 4 && dir.getName(n - 4).toString().equals(FINETUNED);
    }
}
