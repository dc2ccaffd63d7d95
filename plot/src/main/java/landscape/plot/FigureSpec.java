package landscape.plot;

import java.util.List;
import landscape.core.run.LayerStats.SummaryLayer;

/** One figure file: its base name, a caption for the report, and its panels (one row of them per model). */
public record FigureSpec(String name, String caption, List<PanelSpec> panels) {

    public static final String LAYER_LABEL = "layer";
    /** Fractions (0..1) get a little room past both ends so markers at exactly 0 or 1 are not cut by the frame. */
    static final double FRACTION_LO = -0.03;
    static final double FRACTION_HI = 1.03;

    /** The four figures of the report, in order. */
    public static final List<FigureSpec> ALL = List.of(
            new FigureSpec("aris", "Adjusted Rand index of the density-peak clusters with the subjects and with the answer letters.",
                    List.of(PanelSpec.fixed("ARI with subjects", SummaryLayer::ariSubjects, -0.05, 0.9),
                            PanelSpec.fixed("ARI with letters", SummaryLayer::ariLetters, -0.05, 0.9))),
            new FigureSpec("ids", "Intrinsic dimension (Gride) at the density scale; the band is ± its error.",
                    List.of(new PanelSpec("intrinsic dimension", SummaryLayer::id, SummaryLayer::idErr,
                            0, Double.NaN, false))),
            new FigureSpec("clusters", "Number of density peaks (ADP, no halo) and fraction of core points (ADP with halo).",
                    List.of(new PanelSpec("number of clusters", l -> l.nClusters(), null, 0, Double.NaN, true),
                            PanelSpec.fixed("core-point fraction", SummaryLayer::coreFraction, FRACTION_LO, FRACTION_HI))),
            new FigureSpec("overlap",
                    "Label overlap: mean fraction of a point's nearest neighbours that share its subject / its answer letter.",
                    List.of(PanelSpec.fixed("overlap with subjects", SummaryLayer::overlapSubjects, FRACTION_LO, FRACTION_HI),
                            PanelSpec.fixed("overlap with letters", SummaryLayer::overlapLetters, FRACTION_LO, FRACTION_HI))));

    /**
     * The x position of an extraction point on the layer axis. Point i is the residual stream after i decoder blocks
     * (point 0, the embeddings, is the same for every MMLU prompt and is not analysed), so the axis starts at layer 1
     * and runs to L (model.norm) and L+1 (logits), as the paper's x ticks do for its analysed points 1..L+1.
     */
    public static int layerX(int layerIndex) {
        return layerIndex;
    }
}
