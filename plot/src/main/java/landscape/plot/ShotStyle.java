package landscape.plot;

import java.awt.Color;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

/**
 * The colour and marker of a shot count, the same in every figure and every run of the tool. Colours come from the
 * Okabe–Ito colour-blind-safe palette; each shot count also has its own marker shape, so lines stay apart in
 * grey-scale print. The paper's shot counts 0, 1, 2 and 5 get blue, orange, green and vermillion.
 */
public final class ShotStyle {
    /** Okabe–Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, black, yellow. */
    static final Color[] OKABE_ITO = {
        new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73), new Color(0xD55E00),
        new Color(0xCC79A7), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442),
    };
    /** Palette slot per shot count 0..5; larger shot counts continue with the remaining slots, then cycle. */
    private static final int[] SLOT = {0, 1, 2, 4, 5, 3};

    private ShotStyle() {
    }

    public static Color color(int shots) {
        if (shots >= 0 && shots < SLOT.length) {
            return OKABE_ITO[SLOT[shots]];
        }
        return OKABE_ITO[6 + Math.floorMod(shots - SLOT.length, 2)];
    }

    public static String name(int shots) {
        return shots + "-shot";
    }

    /** A marker of the given size (points), centred on the origin. */
    public static Shape marker(int shots, double size) {
        double h = size / 2;
        // beyond 5 shots the colour alternates black/yellow and the marker changes every two shot counts, so 6..17
        // each look different (one marker for black and yellow alike made 6, 8, 10, ... identical)
        int kind = shots >= 0 && shots < SLOT.length ? SLOT[shots] : Math.floorMod((shots - SLOT.length) / 2, 6);
        switch (kind) {
            case 0:
                return new Ellipse2D.Double(-h, -h, size, size);
            case 1:
                return new Rectangle2D.Double(-h * 0.9, -h * 0.9, size * 0.9, size * 0.9);
            case 2:
                return polygon(new double[] {0, h * 1.1, -h * 1.1}, new double[] {-h * 1.15, h * 0.8, h * 0.8});
            case 3:
                return polygon(new double[] {0, h * 1.1, 0, -h * 1.1}, new double[] {-h * 1.2, 0, h * 1.2, 0});
            case 4:
                return polygon(new double[] {0, h * 1.1, -h * 1.1}, new double[] {h * 1.15, -h * 0.8, -h * 0.8});
            default:
                return polygon(new double[] {-h, -h * 0.35, h * 0.35, h, h, h * 0.35, -h * 0.35, -h},
                        new double[] {-h * 0.35, -h, -h, -h * 0.35, h * 0.35, h, h, h * 0.35});
        }
    }

    private static Shape polygon(double[] xs, double[] ys) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        p.closePath();
        return p;
    }
}
