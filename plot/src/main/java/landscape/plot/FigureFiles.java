package landscape.plot;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUnits;
import org.jfree.svg.ViewBox;

/**
 * Turns a figure into bytes: a PNG of {@code round(width × dpi)} × {@code round(height × dpi)} pixels that records
 * its resolution (pHYs, so word processors place it at its size in inches) and its maker ({@code Software}), or an
 * SVG document sized in points.
 */
public final class FigureFiles {
    private FigureFiles() {
    }

    /** A rendered raster plus where its panels' data areas lie, in pixels. */
    public record Png(byte[] bytes, BufferedImage image, FigureRenderer.Drawn drawn, double pixelsPerPoint) {
    }

    public static Png png(FigureSpec spec, RunSet runs, String title, double widthIn, double heightIn, int dpi) {
        int w = (int) Math.round(widthIn * dpi);
        int h = (int) Math.round(heightIn * dpi);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = image.createGraphics();
        double s = layoutScale(widthIn);
        FigureRenderer.Drawn drawn;
        try {
            g2.scale(w / (widthIn * 72.0) * s, h / (heightIn * 72.0) * s);
            drawn = FigureRenderer.draw(g2, spec, runs, title, widthIn * 72.0 / s, heightIn * 72.0 / s);
        } finally {
            g2.dispose();
        }
        return new Png(encodePng(image, dpi), image, drawn, dpi / 72.0 * s);
    }

    public static String svg(FigureSpec spec, RunSet runs, String title, double widthIn, double heightIn) {
        double w = Math.round(widthIn * 7200.0) / 100.0; // points, without float noise in the SVG header
        double h = Math.round(heightIn * 7200.0) / 100.0;
        double s = layoutScale(widthIn);
        double vw = Math.round(w / s * 100.0) / 100.0;
        double vh = Math.round(h / s * 100.0) / 100.0;
        SVGGraphics2D g2 = new SVGGraphics2D(w, h, SVGUnits.PT);
        FigureRenderer.draw(g2, spec, runs, title, vw, vh);
        // the viewBox carries the layout scale: a narrow figure is the 8-inch layout shrunk, not squeezed
        String element = g2.getSVGElement(null, true, new ViewBox(0, 0, vw, vh), null, null);
        return svgDocument(element);
    }

    /** An SVG file: the XML declaration, the generator mark (PlotFiles recognises its own files by it), the element. */
    static String svgDocument(String svgElement) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + PlotFiles.SVG_MARK + "\n" + svgElement + "\n";
    }

    /**
     * Figures narrower than 8 inches are laid out as if 8 inches wide (fonts, markers, spacing) and shrunk, down
     * to half size, so a 4-inch figure looks like the 8-inch one at half scale instead of crowding its labels;
     * wider figures keep the 8-inch font sizes and get more room.
     */
    static double layoutScale(double widthIn) {
        return Math.max(0.5, Math.min(1.0, widthIn / PlotOptions.DEFAULT_WIDTH_IN));
    }

    static byte[] encodePng(BufferedImage image, int dpi) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
            Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
            ImageWriter writer = writers.next();
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
            setResolution(meta, dpi);
            try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(image, null, meta), param);
            } finally {
                writer.dispose();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding failed", e);
        }
    }

    private static void setResolution(IIOMetadata meta, int dpi) throws IIOInvalidTreeException {
        String perMetre = Integer.toString((int) Math.round(dpi / 0.0254));
        IIOMetadataNode phys = new IIOMetadataNode("pHYs");
        phys.setAttribute("pixelsPerUnitXAxis", perMetre);
        phys.setAttribute("pixelsPerUnitYAxis", perMetre);
        phys.setAttribute("unitSpecifier", "meter");
        IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
        root.appendChild(phys);
        // Software: landscape-plot (a tEXt chunk before the image data): PlotFiles recognises its own files by it
        IIOMetadataNode text = new IIOMetadataNode("tEXt");
        IIOMetadataNode software = new IIOMetadataNode("tEXtEntry");
        software.setAttribute("keyword", "Software");
        software.setAttribute("value", PlotFiles.GENERATOR);
        text.appendChild(software);
        root.appendChild(text);
        meta.mergeTree("javax_imageio_png_1.0", root);
    }
}
