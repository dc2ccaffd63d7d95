package landscape.core.run;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.format.LayerFiles;
import landscape.core.format.LayerInfo;

/**
 * Finds extraction points in representation directories, for the Nextflow channel factory
 * {@code fromRepresentations}. Two layouts are understood:
 * <ul>
 *   <li>this project's directories: {@code manifest.json} + {@code samples.csv} + one tensor file per point;</li>
 *   <li>the reference pipeline's directories: {@code l<i>_target.pt} + {@code statistics_target.pkl} under
 *       {@code .../<split>/<model>/<k>shot}. The reference saves L+2 points for L decoder layers: point
 *       {@code i < L} is {@code model.layers.i.input_layernorm}, L is {@code model.norm} and L+1 {@code lm_head},
 *       the only one whose width is the vocabulary's. With M the highest index present, M is {@code lm_head} and
 *       M-1 {@code model.norm} when M is wider than the point below it; otherwise (the logits' file deleted) M is
 *       {@code model.norm}.</li>
 * </ul>
 * A source is a run directory, a folder searched recursively for run directories, or a glob
 * ({@code results/layers/**&#47;5shot}) matched against directories. Directories are sorted by path and points by
 * index, so the order never changes between runs. Shapes come from file headers only.
 */
public final class RepresentationScanner {
    /** Marker file of the reference pipeline's directories. */
    public static final String REFERENCE_STATISTICS = "statistics_target.pkl";

    private static final Pattern REFERENCE_LAYER = Pattern.compile("l(\\d+)_target\\.pt");
    private static final Pattern SHOTS_DIR = Pattern.compile("(\\d+)shot");
    private static final int MAX_DEPTH = 16;

    private RepresentationScanner() {
    }

    /**
     * One extraction point: what the channel item's meta map holds, plus the tensor file. {@code type} is
     * {@link RunType}'s pretrained or finetuned for the run.
     */
    public record Point(String model, int shots, String split, int layer, String module, long rows, long dim,
                        String dtype, Path run, Path file, String type) {
    }

    /** Every point under {@code source} (relative paths against the working directory). */
    public static List<Point> scan(String source) {
        return scan(Path.of("").toAbsolutePath(), source);
    }

    /** Every point under {@code source}, a path or a glob, resolved against {@code base} if relative. */
    public static List<Point> scan(Path base, String source) {
        if (source == null || source.isBlank()) {
            throw new LandscapeException("fromRepresentations: empty path");
        }
        List<Path> dirs = isGlob(source) ? globDirs(base, source) : pathDirs(base.resolve(source).normalize(), source);
        List<Point> points = new ArrayList<>();
        for (Path d : dirs) {
            points.addAll(scanDir(d));
        }
        return points;
    }

    /** True for a directory in either layout. */
    public static boolean isRunDir(Path dir) {
        return RepresentationDir.isRepresentationDir(dir) || isReferenceDir(dir);
    }

    /** True if {@code dir} has the reference pipeline's statistics_target.pkl and at least one l&lt;i&gt;_target.pt. */
    public static boolean isReferenceDir(Path dir) {
        return Files.isRegularFile(dir.resolve(REFERENCE_STATISTICS)) && !referenceLayers(dir).isEmpty();
    }

    /** The points of one run directory, by index. */
    public static List<Point> scanDir(Path dir) {
        Path run = dir.toAbsolutePath().normalize();
        if (RepresentationDir.isRepresentationDir(run)) {
            return projectPoints(run);
        }
        if (isReferenceDir(run)) {
            return referencePoints(run);
        }
        throw LandscapeException.of(run, "not a representation directory (no manifest.json, and no "
                + REFERENCE_STATISTICS + " with l<i>_target.pt files)");
    }

    /** Header facts of a layer file in any supported format (.safetensors, .npy, .pt). */
    public static LayerInfo info(Path file) {
        return LayerFiles.info(file);
    }

    private static List<Point> projectPoints(Path run) {
        RepresentationDir rd = RepresentationDir.open(run);
        Manifest m = rd.manifest();
        String model = m.model() != null && m.model().id() != null ? m.model().id() : run.getFileName().toString();
        String type = RunType.ofRun(run, m.adapter());
        List<Point> out = new ArrayList<>();
        for (Manifest.Point p : rd.points()) {
            Path file = rd.pointFile(p.index());
            LayerInfo info = info(file);
            out.add(new Point(model, m.shots(), m.split(), p.index(), p.module(), info.rows(), info.dim(),
                    info.dtype().label(), run, file, type));
        }
        return out;
    }

    private static List<Point> referencePoints(Path run) {
        Path shotsDir = run.getFileName();
        Matcher sm = shotsDir == null ? null : SHOTS_DIR.matcher(shotsDir.toString());
        if (sm == null || !sm.matches() || run.getParent() == null || run.getParent().getFileName() == null) {
            throw LandscapeException.of(run, "reference directory must be named <model>/<k>shot (e.g. llama-3-8b/5shot)");
        }
        int shots = Integer.parseInt(sm.group(1));
        String model = run.getParent().getFileName().toString();
        Path splitDir = run.getParent().getParent();
        String split = splitDir == null || splitDir.getFileName() == null ? null : splitDir.getFileName().toString();
        TreeMap<Integer, Path> layers = referenceLayers(run);
        TreeMap<Integer, LayerInfo> infos = new TreeMap<>();
        for (var e : layers.entrySet()) {
            infos.put(e.getKey(), info(e.getValue()));
        }
        int norm = finalNormIndex(infos);
        String type = RunType.ofRun(run, null);
        List<Point> out = new ArrayList<>();
        for (var e : layers.entrySet()) {
            int i = e.getKey();
            LayerInfo info = infos.get(i);
            String module = i < norm ? "model.layers." + i + ".input_layernorm" : i == norm ? "model.norm" : "lm_head";
            out.add(new Point(model, shots, split, i, module, info.rows(), info.dim(), info.dtype().label(), run,
                    e.getValue(), type));
        }
        return out;
    }

    /**
     * The index of {@code model.norm} among the reference's points: the one below the logits when the highest point
     * is wider than the one below it (lm_head's output is vocabulary-sized, every other point hidden-sized); the
     * highest point itself when its width is the others' (the logits' file deleted, as it often is for its size).
     * With a single point there is nothing to compare: it is taken as the logits, L+1.
     */
    private static int finalNormIndex(TreeMap<Integer, LayerInfo> infos) {
        int last = infos.lastKey();
        var below = infos.lowerEntry(last);
        if (below == null || infos.get(last).dim() != below.getValue().dim()) {
            return last - 1;
        }
        return last;
    }

    private static TreeMap<Integer, Path> referenceLayers(Path dir) {
        TreeMap<Integer, Path> layers = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return layers;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                Matcher m = REFERENCE_LAYER.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    layers.put(Integer.parseInt(m.group(1)), p);
                }
            });
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot list: " + e.getMessage());
        }
        return layers;
    }

    private static List<Path> pathDirs(Path path, String source) {
        if (!Files.exists(path)) {
            throw LandscapeException.of(source, "does not exist");
        }
        if (!Files.isDirectory(path)) {
            throw LandscapeException.of(source, "is not a directory");
        }
        if (isRunDir(path)) {
            return List.of(path);
        }
        List<Path> dirs = walkRunDirs(path, p -> true);
        if (dirs.isEmpty()) {
            throw LandscapeException.of(source, "no representation directories found (manifest.json, or "
                    + REFERENCE_STATISTICS + " with l<i>_target.pt files)");
        }
        return dirs;
    }

    private static List<Path> globDirs(Path base, String glob) {
        Path abs = base.resolve(glob).normalize();
        String text = abs.toString();
        // the walk starts at the longest leading part without glob characters
        Path root = abs.getRoot();
        for (Path part : abs) {
            if (isGlob(part.toString())) {
                break;
            }
            root = root == null ? part : root.resolve(part);
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + text);
        if (root == null || !Files.isDirectory(root)) {
            throw LandscapeException.of(glob, "no directory matches (" + root + " does not exist)");
        }
        List<Path> dirs = walkRunDirs(root, matcher::matches);
        if (dirs.isEmpty()) {
            throw LandscapeException.of(glob, "no representation directories match");
        }
        return dirs;
    }

    private static List<Path> walkRunDirs(Path root, Predicate<Path> accept) {
        try (Stream<Path> s = Files.walk(root, MAX_DEPTH)) {
            return s.filter(Files::isDirectory)
                    .map(p -> p.toAbsolutePath().normalize())
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(accept)
                    .filter(RepresentationScanner::isRunDir)
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            throw LandscapeException.of(root, "cannot search: " + e.getMessage());
        }
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }
}
