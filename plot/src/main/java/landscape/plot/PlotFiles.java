package landscape.plot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.run.AtomicOutput;

/**
 * The files landscape-plot writes into a figure folder (the figure set: aris, ids, clusters, overlap as PNG and SVG,
 * accuracy.csv, report.html; and {@code landscape-layer<X>.png/.svg/.csv} of {@code landscape-plot landscape}), and
 * how it recognises the ones it wrote, so that it replaces those and never a user's file of the same name: PNGs carry
 * a {@code tEXt} chunk {@code Software: landscape-plot}, SVGs and the report a generator mark, the CSVs their header.
 */
final class PlotFiles {
    static final String GENERATOR = "landscape-plot";
    /** The mark in every SVG, right after the XML declaration. */
    static final String SVG_MARK = "<!-- generator: " + GENERATOR + " -->";
    /** The mark in report.html's head. */
    static final String HTML_MARK = "<meta name=\"generator\" content=\"" + GENERATOR + "\">";
    static final String MAP_CSV_HEADER = "row,subject,cluster,x,y";

    private static final Pattern NAMES = Pattern.compile(
            "(aris|ids|clusters|overlap)\\.(png|svg)|accuracy\\.csv|report\\.html|landscape-layer\\d+\\.(png|svg|csv)");
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PlotFiles() {
    }

    /** Replace only files of the figure folder that landscape-plot wrote. */
    static final AtomicOutput.Rule RULE = new AtomicOutput.Rule() {
        @Override
        public String refusal(Path existing) {
            return writtenByUs(existing) ? null : "exists and was not written by " + GENERATOR;
        }

        @Override
        public boolean writes(String name) {
            return NAMES.matcher(name).matches();
        }
    };

    /** Writes {@code bytes} as {@code name} into the staging folder; returns the name. */
    static String write(Path dir, String name, byte[] bytes) {
        try {
            Files.write(dir.resolve(name), bytes);
            return name;
        } catch (IOException e) {
            throw LandscapeException.of(dir.resolve(name), "cannot write: " + Json.oneLine(e.getMessage()));
        }
    }

    /**
     * Removes the files among {@code names} in {@code out} that this run did not write ({@code written}) and that an
     * earlier landscape-plot did: a figure of the set in a format not asked for this time, which would look as
     * current as the ones just written. Anything else, a user's file of such a name included, is left alone.
     */
    static void removeSuperseded(Path out, Collection<String> names, Collection<Path> written) {
        Set<String> now = new HashSet<>();
        for (Path p : written) {
            now.add(p.getFileName().toString());
        }
        for (String name : names) {
            Path file = out.resolve(name);
            if (!now.contains(name) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && writtenByUs(file)) {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw LandscapeException.of(file, "an earlier landscape-plot wrote it and it could not be removed: "
                            + LandscapeException.reason(e));
                }
            }
        }
    }

    /** The files of a figure set in {@code formats}. */
    static List<String> figureSetNames(Collection<String> formats) {
        List<String> names = new ArrayList<>();
        for (FigureSpec spec : FigureSpec.ALL) {
            for (String f : List.of("png", "svg")) {
                if (formats.contains(f)) {
                    names.add(spec.name() + "." + f);
                }
            }
        }
        names.add("accuracy.csv");
        names.add("report.html");
        return names;
    }

    static boolean writtenByUs(Path file) {
        String name = file.getFileName().toString();
        try {
            if (name.endsWith(".png")) {
                return pngSoftware(head(file, 1 << 16)).equals(GENERATOR);
            }
            if (name.endsWith(".svg")) {
                return new String(head(file, 1024), StandardCharsets.UTF_8).contains(SVG_MARK);
            }
            if (name.endsWith(".html")) {
                return new String(head(file, 1 << 16), StandardCharsets.UTF_8).contains(HTML_MARK);
            }
            if (name.endsWith(".csv")) {
                String text = new String(head(file, 1024), StandardCharsets.UTF_8);
                int nl = text.indexOf('\n');
                String first = nl < 0 ? text : text.substring(0, nl);
                return first.equals(String.join(",", AccuracyTable.HEADER)) || first.equals(MAP_CSV_HEADER);
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static byte[] head(Path file, int max) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(max);
        }
    }

    /** The PNG's {@code Software} text (from a {@code tEXt} chunk before the image data), or "". */
    static String pngSoftware(byte[] png) {
        if (png.length < 8 || !Arrays.equals(Arrays.copyOf(png, 8), PNG_SIGNATURE)) {
            return "";
        }
        ByteBuffer b = ByteBuffer.wrap(png);
        int pos = 8;
        while (pos + 8 <= png.length) {
            int len = b.getInt(pos);
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("IDAT") || len < 0 || pos + 12L + len > png.length) {
                return "";
            }
            if (type.equals("tEXt")) {
                String text = new String(png, pos + 8, len, StandardCharsets.ISO_8859_1);
                int nul = text.indexOf('\0');
                if (nul > 0 && text.substring(0, nul).equals("Software")) {
                    return text.substring(nul + 1);
                }
            }
            pos += 12 + len;
        }
        return "";
    }
}
