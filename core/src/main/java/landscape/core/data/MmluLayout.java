package landscape.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.hub.HubCache;

/**
 * Which files hold an MMLU split, in one of the two layouts researchers have (files are only listed here; the
 * stage that reads them is {@code landscape-extract}):
 * <ul>
 *   <li>{@link Format#CSV}: the original Hendrycks folders {@code dev/ val/ test/} of
 *       {@code <subject>_<split>.csv};</li>
 *   <li>{@link Format#PARQUET}: as published on the Hugging Face hub ({@code cais/mmlu}): the config folder
 *       {@code all/} with {@code <split>-00000-of-00001.parquet} (also accepted: those files at the top level, i.e.
 *       {@code --dataset …/all}), or, without {@code all/}, one folder per subject
 *       ({@code abstract_algebra/test-00000-of-00001.parquet}); {@code auxiliary_train/} is ignored.</li>
 * </ul>
 * The split {@code val} is {@code validation} on the hub; either name selects it in either layout. A folder with
 * both layouts or neither is refused, as is a dataset given as a hub cache folder ({@code datasets--cais--mmlu})
 * that does not resolve (see {@link HubCache}).
 */
public final class MmluLayout {
    public enum Format { CSV, PARQUET }

    /** The hub's config with every subject; its folder wins over the per-subject folders beside it. */
    public static final String ALL = "all";
    /** Folders of a hub snapshot that are not subjects. */
    static final Set<String> NOT_SUBJECTS = Set.of(ALL, "auxiliary_train");
    private static final List<String> CSV_SPLITS = List.of("dev", "val", "test");
    private static final Pattern SHARD = Pattern.compile("-(\\d+)-of-(\\d+)\\.parquet");

    /**
     * One file of a split. {@code subject} is the subject all its rows belong to (CSV files, per-subject parquet
     * folders), or null when each row names its subject ({@code all/}).
     */
    public record Source(Path file, String subject) {
    }

    private final Path dir;
    private final Format format;
    /** Parquet: the folder of a config with all subjects ({@code all/} or {@code dir}), or null for per-subject. */
    private final Path config;

    private MmluLayout(Path dir, Format format, Path config) {
        this.dir = dir;
        this.format = format;
        this.config = config;
    }

    /** The layout of {@code dataset} (a folder, or a hub cache folder resolved to its snapshot). */
    public static MmluLayout detect(Path dataset) {
        Path dir = HubCache.resolve(dataset).dir();
        if (!Files.isDirectory(dir)) {
            throw LandscapeException.of(dataset, Files.exists(dir) ? "not a directory" : "no such directory");
        }
        List<String> csv = new ArrayList<>();
        for (String s : CSV_SPLITS) {
            if (Files.isDirectory(dir.resolve(s))) {
                csv.add(s + "/");
            }
        }
        Path all = dir.resolve(ALL);
        Path config = null;
        String parquet = null;
        if (Files.isDirectory(all) && !parquetFiles(all).isEmpty()) {
            config = all;
            parquet = ALL + "/" + parquetFiles(all).get(0).getFileName();
        } else if (!parquetFiles(dir).isEmpty()) {
            config = dir;
            parquet = parquetFiles(dir).get(0).getFileName().toString();
        } else {
            for (Path sub : subjectFolders(dir)) {
                parquet = dir.relativize(sub) + "/" + parquetFiles(sub).get(0).getFileName();
                break;
            }
        }
        if (!csv.isEmpty() && parquet != null) {
            throw LandscapeException.of(dataset, "holds both the Hendrycks CSV layout (" + String.join(" ", csv)
                    + ") and parquet files (" + parquet + "); give --dataset a folder with one of them");
        }
        if (csv.isEmpty() && parquet == null) {
            throw LandscapeException.of(dataset, "not an MMLU dataset: expected dev/ val/ test/ folders of "
                    + "<subject>_<split>.csv (Hendrycks) or parquet files as in cais/mmlu (all/test-00000-of-00001.parquet)");
        }
        return new MmluLayout(dir, parquet != null ? Format.PARQUET : Format.CSV, config);
    }

    /** Checks that {@code split} of {@code dataset} has files (for the pipeline's parameter check). */
    public static void check(Path dataset, String split) {
        detect(dataset).sources(split);
    }

    /** The folder read (the snapshot for a hub cache folder). */
    public Path dir() {
        return dir;
    }

    public Format format() {
        return format;
    }

    /** Where the split's subjects are listed in messages (e.g. "dev/", "all/dev-*.parquet"). */
    public Path splitLocation(String split) {
        if (format == Format.CSV) {
            return dir.resolve(csvSplit(split));
        }
        return config != null ? config : dir;
    }

    /**
     * The files of {@code split} in reading order: CSV files by subject (alphabetical); the shards of a config
     * folder in shard order; per-subject folders by subject, each folder's shards in order. A missing split, a
     * subject folder without the split, or a missing shard is refused.
     */
    public List<Source> sources(String split) {
        if (format == Format.CSV) {
            return csvSources(split);
        }
        String prefix = parquetSplit(split);
        if (config != null) {
            List<Path> files = splitFiles(config, prefix);
            if (files.isEmpty()) {
                throw LandscapeException.of(config, "no " + prefix + " parquet files (" + prefix
                        + "-00000-of-00001.parquet); found " + describe(parquetFiles(config)));
            }
            return files.stream().map(f -> new Source(f, null)).toList();
        }
        List<Source> out = new ArrayList<>();
        for (Path sub : subjectFolders(dir)) {
            List<Path> files = splitFiles(sub, prefix);
            if (files.isEmpty()) {
                throw LandscapeException.of(sub, "subject folder has no " + prefix + " parquet file ("
                        + prefix + "-00000-of-00001.parquet), found " + describe(parquetFiles(sub)));
            }
            String subject = sub.getFileName().toString();
            files.forEach(f -> out.add(new Source(f, subject)));
        }
        return out;
    }

    private List<Source> csvSources(String split) {
        String name = csvSplit(split);
        Path folder = dir.resolve(name);
        if (!Files.isDirectory(folder)) {
            throw LandscapeException.of(folder, "no such split folder (expected the Hendrycks layout DIR/" + name
                    + "/<subject>_" + name + ".csv)");
        }
        String suffix = "_" + name + ".csv";
        Map<String, Path> files = new TreeMap<>();
        for (Path p : list(folder)) {
            String f = p.getFileName().toString();
            if (f.endsWith(suffix) && f.length() > suffix.length() && Files.isRegularFile(p)) {
                files.put(f.substring(0, f.length() - suffix.length()), p);
            }
        }
        if (files.isEmpty()) {
            throw LandscapeException.of(folder, "no <subject>" + suffix + " files");
        }
        List<Source> out = new ArrayList<>();
        files.forEach((subject, file) -> out.add(new Source(file, subject)));
        return out;
    }

    /** {@code val}/{@code validation} → the CSV folder name {@code val}. */
    static String csvSplit(String split) {
        return split.equals("validation") ? "val" : split;
    }

    /** {@code val}/{@code validation} → the hub's file prefix {@code validation}. */
    static String parquetSplit(String split) {
        return split.equals("val") ? "validation" : split;
    }

    /**
     * The split's files in a folder: {@code <split>.parquet} or {@code <split>-NNNNN-of-MMMMM.parquet}, in name order
     * (shard numbers are zero-padded); the shards must be complete.
     */
    static List<Path> splitFiles(Path folder, String prefix) {
        List<Path> files = new ArrayList<>();
        for (Path p : parquetFiles(folder)) {
            String f = p.getFileName().toString();
            if (f.equals(prefix + ".parquet") || (f.startsWith(prefix + "-") && SHARD.matcher(f.substring(prefix.length())).matches())) {
                files.add(p);
            }
        }
        SortedSet<Integer> shards = new TreeSet<>();
        Set<Integer> totals = new HashSet<>();
        for (Path p : files) {
            Matcher m = SHARD.matcher(p.getFileName().toString().substring(prefix.length()));
            if (m.matches()) {
                shards.add(Integer.parseInt(m.group(1)));
                totals.add(Integer.parseInt(m.group(2)));
            }
        }
        if (!shards.isEmpty()) {
            int total = totals.size() == 1 ? totals.iterator().next() : -1;
            if (total != files.size() || shards.size() != total || shards.first() != 0 || shards.last() != total - 1) {
                throw LandscapeException.of(folder, "the " + prefix + " parquet shards are incomplete or mixed ("
                        + describe(files) + "); every <split>-NNNNN-of-MMMMM.parquet of one download is needed");
            }
        }
        return files;
    }

    /** Subject folders of a hub snapshot without {@code all/}: folders holding parquet files, by name. */
    static List<Path> subjectFolders(Path dir) {
        List<Path> out = new ArrayList<>();
        for (Path p : list(dir)) {
            String f = p.getFileName().toString();
            if (Files.isDirectory(p) && !f.startsWith(".") && !NOT_SUBJECTS.contains(f) && !parquetFiles(p).isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    /** The {@code *.parquet} files of a folder (links followed), sorted by name. */
    static List<Path> parquetFiles(Path folder) {
        List<Path> out = new ArrayList<>();
        for (Path p : list(folder)) {
            if (p.getFileName().toString().endsWith(".parquet") && Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The entries of a folder, by name; a link to nothing (a file of a partial download) is refused. */
    private static List<Path> list(Path folder) {
        HubCache.requireNoBrokenLinks(folder);
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw LandscapeException.of(folder, "cannot list: " + e.getMessage());
        }
    }

    private static String describe(List<Path> files) {
        if (files.isEmpty()) {
            return "none";
        }
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        return names.size() <= 4 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 4)) + " and " + (names.size() - 4) + " more";
    }
}
