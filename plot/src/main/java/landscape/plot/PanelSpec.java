package landscape.plot;

import java.util.function.ToDoubleFunction;
import landscape.core.run.LayerStats.SummaryLayer;

/**
 * One panel: a per-layer metric against the layer. {@code error} (may be null) draws a band of ± error around the
 * line. {@code lower}/{@code upper} fix the value axis (NaN = from the data); the axis still widens when data fall
 * outside, so no point is ever clipped. {@code integer} asks for whole-number ticks.
 */
public record PanelSpec(String yLabel, ToDoubleFunction<SummaryLayer> value, ToDoubleFunction<SummaryLayer> error,
                        double lower, double upper, boolean integer) {

    static PanelSpec fixed(String yLabel, ToDoubleFunction<SummaryLayer> value, double lower, double upper) {
        return new PanelSpec(yLabel, value, null, lower, upper, false);
    }
}
