package landscape.plot;

import java.util.List;
import java.util.TreeSet;
import landscape.core.run.LayerStats.Summary;

/** Every run to plot, grouped by model (rows, in input order). */
public record RunSet(List<ModelRuns> models) {

    /** All shot counts that occur, ascending: the legend entries. */
    public List<Integer> shots() {
        TreeSet<Integer> shots = new TreeSet<>();
        for (ModelRuns m : models) {
            for (Summary s : m.runs()) {
                shots.add(s.shots());
            }
        }
        return List.copyOf(shots);
    }
}
