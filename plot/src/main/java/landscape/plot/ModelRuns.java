package landscape.plot;

import java.util.List;
import landscape.core.run.LayerStats.Summary;

/**
 * The runs of one model (one row of panels in every figure): the summaries of its shot counts, sorted by shots.
 * {@code files} lists, for each summary in {@code runs}, the file it was read from.
 */
public record ModelRuns(String model, String adapter, List<Summary> runs, List<String> files) {

    /** The row's name as readers see it: the model, and the adapter when there is one. */
    public String label() {
        return adapter == null || adapter.isBlank() ? model : model + " + " + adapter;
    }
}
