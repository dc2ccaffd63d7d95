package landscape.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import landscape.core.Json;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figure folder: files of the figure set that an earlier landscape-plot wrote are replaced, a user's file of the
 * same name is not (issue 9 §2); a summary with a null, missing or non-finite metric stops the plot (issue 9 §4).
 */
class FigureFolderTest {
    @TempDir
    Path tmp;

    private List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Path stats() throws IOException {
        Path stats = tmp.resolve("stats");
        Summaries.write(stats, Summaries.paperLike("m", 0, 8));
        Summaries.write(stats, Summaries.paperLike("m", 5, 8));
        return stats;
    }

    @Test
    void aUsersFileNamedLikeAFigureIsRefusedAndNothingIsWritten() throws IOException {
        Path stats = stats();
        Path out = Files.createDirectories(tmp.resolve("figures"));
        Files.writeString(out.resolve("report.html"), "<html><body>my own report</body></html>");
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> FigureSet.render(List.of(stats), out, PlotOptions.defaults()));
        assertTrue(e.getMessage().startsWith(out.resolve("report.html") + ": ")
                && e.getMessage().contains("refusing to replace it"), e.getMessage());
        assertEquals(List.of("report.html"), names(out), "no figure written beside it");
        assertEquals("<html><body>my own report</body></html>", Files.readString(out.resolve("report.html")));
        assertEquals(List.of("figures", "stats"), names(tmp), "no staging folder left");
    }

    @Test
    void anEarlierFigureSetIsReplacedAndOtherFilesAreLeftAlone() throws IOException {
        Path out = tmp.resolve("figures");
        Path first = Summaries.write(tmp.resolve("first"), Summaries.paperLike("first", 0, 4));
        FigureSet.render(List.of(first), out, PlotOptions.defaults());
        byte[] before = Files.readAllBytes(out.resolve("aris.png"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        FigureSet.render(List.of(stats()), out, PlotOptions.defaults());
        assertFalse(Arrays.equals(before, Files.readAllBytes(out.resolve("aris.png"))));
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertTrue(Files.readString(out.resolve("accuracy.csv")).contains("\nm,"));
        assertEquals(List.of("figures", "first", "stats"), names(tmp));
    }

    @Test
    void figuresOfAnEarlierRunInAFormatNotAskedForNowAreRemovedSoNoOlderFigureLooksCurrent() throws IOException {
        Path out = tmp.resolve("figures");
        Path first = Summaries.write(tmp.resolve("first"), Summaries.paperLike("first", 0, 4));
        FigureSet.render(List.of(first), out, PlotOptions.defaults());
        assertTrue(Files.exists(out.resolve("aris.svg")));
        Files.writeString(out.resolve("notes.svg"), "mine");
        PlotOptions d = PlotOptions.defaults();
        FigureSet.render(List.of(stats()), out, new PlotOptions(Set.of("png"), d.dpi(), d.title(), d.widthIn(),
                d.rowHeightIn()));
        assertEquals(List.of("accuracy.csv", "aris.png", "clusters.png", "ids.png", "notes.svg", "overlap.png",
                "report.html"), names(out), "the first run's SVGs are gone; the user's file stays");
    }

    @Test
    void aUsersFileNamedLikeAFigureOfAnotherFormatIsLeftAlone() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("figures"));
        Files.writeString(out.resolve("aris.svg"), "<svg>my own</svg>");
        PlotOptions d = PlotOptions.defaults();
        FigureSet.render(List.of(stats()), out, new PlotOptions(Set.of("png"), d.dpi(), d.title(), d.widthIn(),
                d.rowHeightIn()));
        assertEquals("<svg>my own</svg>", Files.readString(out.resolve("aris.svg")));
        assertTrue(Files.exists(out.resolve("aris.png")));
    }

    @Test
    void everyFileLandscapePlotWritesIsRecognisedAsItsOwnAndTheSameKindsFromElsewhereAreNot() throws IOException {
        Path out = tmp.resolve("figures");
        FigureSet.render(List.of(stats()), out, PlotOptions.defaults());
        for (String name : names(out)) {
            assertTrue(PlotFiles.RULE.writes(name) && PlotFiles.writtenByUs(out.resolve(name)), name);
        }
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(image, "png", elsewhere.resolve("aris.png").toFile());
        Files.writeString(elsewhere.resolve("ids.svg"), "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
        Files.writeString(elsewhere.resolve("accuracy.csv"), "model,accuracy\nx,0.5\n");
        Files.writeString(elsewhere.resolve("report.html"), "<!DOCTYPE html>\n<p>Made by hand</p>\n");
        for (String name : names(elsewhere)) {
            assertEquals("exists and was not written by landscape-plot", PlotFiles.RULE.refusal(elsewhere.resolve(name)), name);
        }
        assertFalse(PlotFiles.RULE.writes("notes.txt") || PlotFiles.RULE.writes("aris.pdf"));
    }

    @Test
    void aStagingFolderLeftByAKilledPlotIsRemovedByTheNextOne() throws IOException {
        Path out = tmp.resolve("figures");
        Path leftover = Files.createDirectories(tmp.resolve(".figures.partial-7"));
        Files.writeString(leftover.resolve("aris.png"), "half a figure");
        Path notOurs = Files.createDirectories(tmp.resolve(".figures.partial-mine"));
        Files.writeString(notOurs.resolve("draft.txt"), "mine");
        FigureSet.render(List.of(stats()), out, PlotOptions.defaults());
        assertEquals(List.of(".figures.partial-mine", "figures", "stats"), names(tmp));
    }

    @Test
    void aNullMissingOrNonFiniteMetricInASummaryStopsThePlotNamingTheFileAndTheField() throws IOException {
        String[][] cases = {{"ari_letters", "null"}, {"core_fraction", "missing"}, {"id", "NaN"}, {"overlap_subjects", "-Infinity"}};
        for (String[] c : cases) {
            Path stats = tmp.resolve("stats-" + c[0]);
            Path file = Summaries.write(stats, Summaries.paperLike("m", 0, 8));
            ObjectNode j = (ObjectNode) Json.MAPPER.readTree(file.toFile());
            ObjectNode layer = (ObjectNode) j.withArray("layers").get(2);
            switch (c[1]) {
                case "null" -> layer.putNull(c[0]);
                case "missing" -> layer.remove(c[0]);
                default -> layer.put(c[0], c[1]);
            }
            Files.writeString(file, Json.MAPPER.writeValueAsString(j));
            Path out = tmp.resolve("figures-" + c[0]);
            LandscapeException e = assertThrows(LandscapeException.class,
                    () -> FigureSet.render(List.of(stats), out, PlotOptions.defaults()), c[0]);
            assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains("layer 3")
                    && e.getMessage().contains(c[0]), e.getMessage());
            assertFalse(Files.exists(out));
        }
        assertNotEquals(0, names(tmp).size());
    }
}
