package landscape.analyze;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.run.AtomicOutput;
import landscape.core.run.Csv;
import landscape.core.run.LayerStats;
import landscape.core.run.StatsFiles;

/**
 * {@code landscape-analyze summarize}: gathers per-layer stats.json files and writes, per (model, shots), one
 * {@code summary-<model>-<k>shot.json} ({@link LayerStats.Summary}, layers in layer order) and its CSV twin with a
 * row per layer.
 */
public final class Summaries {
    static final String CSV_HEADER = StatsFiles.SUMMARY_CSV_HEADER;

    private Summaries() {
    }

    /** Writes the summaries; returns the JSON files written, in name order. */
    public static List<Path> write(List<String> statsPatterns, Path outDir) {
        List<Path> files = expand(statsPatterns);
        if (files.isEmpty()) {
            throw new LandscapeException("--stats " + String.join(" ", statsPatterns) + ": no stats files found");
        }
        Map<String, List<Entry>> groups = new TreeMap<>();
        for (Path f : files) {
            LayerStats s = StatsFiles.readStats(f);
            LayerStats.RunRef r = s.run();
            if (r == null || r.model() == null || r.shots() == null || r.layer() == null) {
                throw LandscapeException.of(f, "stats without model/shots/layer provenance (run landscape-analyze with "
                        + "--run DIR --layer-index I, or --model NAME --shots K --layer-index I)");
            }
            groups.computeIfAbsent(r.model() + "\u0000" + r.shots(), k -> new ArrayList<>()).add(new Entry(f, s));
        }
        // every group is checked and summarized before the first file is written: bad input writes nothing
        Map<String, LayerStats.Summary> summaries = new TreeMap<>();
        for (List<Entry> group : groups.values()) {
            group.sort(Comparator.comparingInt(e -> e.stats.run().layer()));
            for (int i = 1; i < group.size(); i++) {
                if (group.get(i).stats.run().layer().equals(group.get(i - 1).stats.run().layer())) {
                    throw LandscapeException.of(group.get(i).file, "layer " + group.get(i).stats.run().layer()
                            + " of this model and shot count is also in " + group.get(i - 1).file);
                }
                checkSameRun(group.get(0), group.get(i));
            }
            LayerStats.Summary summary = summarize(group);
            String base = "summary-" + safe(summary.model()) + "-" + summary.shots() + "shot";
            LayerStats.Summary clash = summaries.put(base, summary);
            if (clash != null) {
                throw LandscapeException.of(group.get(0).file, "models '" + clash.model() + "' and '" + summary.model()
                        + "' would both be written to " + base + ".json; rename one");
            }
        }
        // all or none: staged beside outDir, then moved in; only summarize's own earlier files are replaced
        List<String> names = new ArrayList<>();
        summaries.keySet().forEach(base -> names.addAll(List.of(base + ".json", base + ".csv")));
        AtomicOutput.checkFiles(outDir, names, StatsFiles.SUMMARIES);
        try (AtomicOutput out = AtomicOutput.files(outDir, StatsFiles.SUMMARIES)) {
            for (Map.Entry<String, LayerStats.Summary> e : summaries.entrySet()) {
                Json.write(out.dir().resolve(e.getKey() + ".json"), e.getValue());
                writeCsv(out.dir().resolve(e.getKey() + ".csv"), e.getValue());
            }
            out.commit();
        }
        return summaries.keySet().stream().map(base -> outDir.resolve(base + ".json")).sorted().toList();
    }

    private record Entry(Path file, LayerStats stats) {
    }

    /** Analysis parameters that must agree across the layers of one summary (its params are the first layer's). */
    private static final List<String> SHARED_PARAMS = StatsFiles.SHARED_PARAMS;

    /**
     * The layers of one (model, shots) summary must come from one extraction run and one set of analysis parameters;
     * otherwise they are stats of different models (or runs) that share a name.
     */
    private static void checkSameRun(Entry first, Entry other) {
        LayerStats.RunRef a = first.stats.run();
        LayerStats.RunRef b = other.stats.run();
        String why = null;
        if (!Objects.equals(a.adapter(), b.adapter())) {
            why = "adapter " + a.adapter() + " vs " + b.adapter();
        } else if (!Objects.equals(a.dataset(), b.dataset()) || !Objects.equals(a.split(), b.split())) {
            why = "dataset " + a.dataset() + "/" + a.split() + " vs " + b.dataset() + "/" + b.split();
        } else if (!Objects.equals(a.extraction(), b.extraction())) {
            why = "extraction " + differingKey(a.extraction(), b.extraction());
        } else {
            for (String key : SHARED_PARAMS) {
                Object x = first.stats.params() == null ? null : first.stats.params().get(key);
                Object y = other.stats.params() == null ? null : other.stats.params().get(key);
                if (!Objects.equals(x, y)) {
                    why = "analysis parameter " + key + " " + x + " vs " + y;
                    break;
                }
            }
        }
        if (why != null) {
            throw LandscapeException.of(other.file, "model " + b.model() + " " + b.shots() + "-shot: " + why + " in "
                    + first.file + " (stats of different runs that share a model name)");
        }
    }

    private static String differingKey(Map<String, Object> a, Map<String, Object> b) {
        if (a == null || b == null) {
            return "provenance present in only one of the files";
        }
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            if (!Objects.equals(a.get(k), b.get(k))) {
                return k + " " + a.get(k) + " vs " + b.get(k);
            }
        }
        return "differs";
    }

    private static LayerStats.Summary summarize(List<Entry> group) {
        LayerStats.RunRef first = group.get(0).stats.run();
        Map<String, Object> params = group.get(0).stats.params();
        List<LayerStats.SummaryLayer> layers = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (Entry e : group) {
            LayerStats s = e.stats;
            int scale = scaleIndex(e.file, s);
            layers.add(new LayerStats.SummaryLayer(s.run().layer(), s.run().module(), s.nPoints(), s.ids()[scale],
                    s.idsErr()[scale], s.ids(), s.idsErr(), s.rs(), s.nClusters(), s.ariSubjects(), s.ariLetters(),
                    s.coreFraction(), s.overlapSubjects(), s.overlapLetters()));
            sources.add(e.file.toString());
        }
        Map<String, Object> provenance = new LinkedHashMap<>();
        if (first.extraction() != null) {
            provenance.putAll(first.extraction());
        }
        provenance.put("tool", StatsFiles.SUMMARIZE_TOOL);
        provenance.put("created", Instant.now().toString());
        provenance.put("stats_files", sources);
        return new LayerStats.Summary(first.model(), first.adapter(), first.dataset(), first.split(), first.shots(),
                first.accuracy(), params, provenance, layers);
    }

    /** Scale index of the ID used for the density: log2(params.k), 16 when absent. */
    private static int scaleIndex(Path file, LayerStats s) {
        Object k = s.params() == null ? null : s.params().get("k");
        int kk = k instanceof Number num ? num.intValue() : 16;
        int scale = 31 - Integer.numberOfLeadingZeros(Math.max(1, kk));
        if (scale >= s.ids().length) {
            throw LandscapeException.of(file, "ids has " + s.ids().length + " scales, none at index log2(k) = " + scale);
        }
        return scale;
    }

    private static void writeCsv(Path file, LayerStats.Summary summary) {
        List<List<String>> rows = new ArrayList<>();
        for (LayerStats.SummaryLayer l : summary.layers()) {
            rows.add(List.of(String.valueOf(l.layer()), l.module() == null ? "" : l.module(),
                    String.valueOf(l.nPoints()), num(l.id()), num(l.idErr()), String.valueOf(l.nClusters()),
                    num(l.ariSubjects()), num(l.ariLetters()), num(l.coreFraction()), num(l.overlapSubjects()),
                    num(l.overlapLetters())));
        }
        Csv.write(file, List.of(CSV_HEADER.split(",")), rows);
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    static String safe(String model) {
        return model.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Directories give every *.json below them (summaries excluded); other arguments are globs or plain files. */
    static List<Path> expand(List<String> patterns) {
        TreeSet<Path> out = new TreeSet<>();
        for (String p : patterns) {
            TreeSet<Path> found = new TreeSet<>();
            expandOne(p, found);
            found.removeIf(f -> f.getFileName().toString().startsWith("summary-"));
            if (found.isEmpty() && patterns.size() > 1) {
                // one mistyped argument among several would drop its stats from the summaries without a word
                throw LandscapeException.of(p, "no stats files found");
            }
            out.addAll(found);
        }
        return new ArrayList<>(out);
    }

    private static void expandOne(String p, TreeSet<Path> out) {
        Path plain = Path.of(p);
        if (Files.isDirectory(plain)) {
            walk(plain, f -> f.getFileName().toString().endsWith(".json"), out);
        } else if (!hasGlob(p)) {
            if (!Files.isRegularFile(plain)) {
                throw LandscapeException.of(p, "no such stats file");
            }
            out.add(plain.toAbsolutePath().normalize());
        } else {
            int slash = globSlash(p);
            Path base = slash < 0 ? Path.of(".") : Path.of(slash == 0 ? "/" : p.substring(0, slash));
            String baseAbs = base.toAbsolutePath().normalize().toString();
            String abs = (baseAbs.endsWith("/") ? baseAbs : baseAbs + "/") + p.substring(slash + 1);
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + abs);
            if (Files.isDirectory(base)) {
                walk(base, m::matches, out);
            }
        }
    }

    private static void walk(Path dir, Predicate<Path> keep, TreeSet<Path> out) {
        Path root = dir.toAbsolutePath().normalize();
        // links are followed (a linked folder of stats, or --stats given as a link): skipped, its layers would be
        // missing from the summary without a word; a loop is an error
        try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            s.map(f -> f.toAbsolutePath().normalize()).filter(Files::isRegularFile).filter(f -> !inStaging(root, f))
                    .filter(keep).forEach(out::add);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof FileSystemLoopException loop) {
                throw LandscapeException.of(dir, "cannot list: the link " + loop.getFile() + " leads back to a folder above it");
            }
            throw LandscapeException.of(dir, "cannot list: " + LandscapeException.reason(e.getCause()));
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot list: " + LandscapeException.reason(e));
        }
    }

    /** True for a file inside a staging folder below {@code root} (an analysis being written, or a killed one's). */
    private static boolean inStaging(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            if (AtomicOutput.isStagingName(part.toString())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }

    /** Position of the last '/' before the first glob character, -1 when none. */
    private static int globSlash(String pattern) {
        int cut = pattern.length();
        for (char c : new char[] {'*', '?', '[', '{'}) {
            int i = pattern.indexOf(c);
            if (i >= 0) {
                cut = Math.min(cut, i);
            }
        }
        return pattern.lastIndexOf('/', cut);
    }
}
