package landscape.core.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeException;

/**
 * {@code samples.csv}: RFC 4180 CSV with a header line. Readers look columns up by name, so extra columns are
 * ignored and only the columns a caller needs must exist.
 */
public final class SamplesCsv {
    private SamplesCsv() {
    }

    /** A parsed CSV: the header and the records (each as many fields as the header). */
    public record Table(Path file, List<String> header, List<List<String>> rows) {
        public int column(String name) {
            int i = header.indexOf(name);
            if (i < 0) {
                throw LandscapeException.of(file, "missing column '" + name + "' (header: " + String.join(",", header) + ")");
            }
            return i;
        }

        public List<String> values(String name) {
            int c = column(name);
            List<String> out = new ArrayList<>(rows.size());
            for (List<String> r : rows) {
                out.add(r.get(c));
            }
            return out;
        }

        public boolean has(String name) {
            return header.contains(name);
        }
    }

    /** Reads any CSV with a header. Every record must have as many fields as the header. */
    public static Table readTable(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read: " + e.getMessage());
        }
        List<List<String>> records = parse(file, text);
        if (records.isEmpty()) {
            throw LandscapeException.of(file, "empty CSV (no header)");
        }
        List<String> header = records.get(0);
        List<List<String>> rows = records.subList(1, records.size());
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).size() != header.size()) {
                throw LandscapeException.of(file, "line " + (i + 2) + " has " + rows.get(i).size() + " fields, header has "
                        + header.size());
            }
        }
        return new Table(file, List.copyOf(header), List.copyOf(rows));
    }

    /** Reads a full samples.csv as written by extraction. */
    public static List<Sample> read(Path file) {
        Table t = readTable(file);
        int cRow = t.column("row");
        int cIdx = t.column("dataset_index");
        int cSub = t.column("subject");
        int cAns = t.column("answer");
        int cPred = t.column("prediction");
        int cCon = t.column("constrained_prediction");
        int cTok = t.column("n_tokens");
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < t.rows().size(); i++) {
            List<String> r = t.rows().get(i);
            try {
                out.add(new Sample(Integer.parseInt(r.get(cRow)), Long.parseLong(r.get(cIdx)), r.get(cSub), r.get(cAns),
                        r.get(cPred), r.get(cCon), Integer.parseInt(r.get(cTok))));
            } catch (NumberFormatException e) {
                throw LandscapeException.of(file, "line " + (i + 2) + ": bad number (" + e.getMessage() + ")");
            }
            if (out.get(i).row() != i) {
                throw LandscapeException.of(file, "line " + (i + 2) + ": row is " + out.get(i).row() + ", expected " + i);
            }
        }
        return out;
    }

    /** Writes samples.csv atomically. */
    public static void write(Path file, List<Sample> samples) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write(Sample.HEADER);
            w.write('\n');
            for (Sample s : samples) {
                w.write(s.row() + "," + s.datasetIndex() + "," + quote(s.subject()) + "," + quote(s.answer()) + ","
                        + quote(s.prediction()) + "," + quote(s.constrainedPrediction()) + "," + s.nTokens());
                w.write('\n');
            }
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot write: " + e.getMessage());
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot write: " + e.getMessage());
        }
    }

    /** Quotes a field when it holds a comma, quote or line break. */
    public static String quote(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** RFC 4180 parse: quoted fields may hold commas, doubled quotes and line breaks. Blank lines are skipped. */
    public static List<List<String>> parse(Path file, String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        int i = 0;
        int n = text.length();
        int line = 1;
        boolean inQuotes = false;
        boolean fieldStarted = false;
        if (n > 0 && text.charAt(0) == '\uFEFF') {
            i = 1;
        }
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (inQuotes) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        inQuotes = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    f.append(c);
                }
            } else if (c == '"' && f.length() == 0) {
                inQuotes = true;
                fieldStarted = true;
            } else if (c == ',') {
                rec.add(f.toString());
                f.setLength(0);
                fieldStarted = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (fieldStarted || f.length() > 0 || !rec.isEmpty()) {
                    rec.add(f.toString());
                    out.add(rec);
                }
                rec = new ArrayList<>();
                f.setLength(0);
                fieldStarted = false;
                line++;
            } else {
                f.append(c);
                fieldStarted = true;
            }
        }
        if (inQuotes) {
            throw LandscapeException.of(file, "unterminated quoted field at end of file (line " + line + ")");
        }
        if (fieldStarted || f.length() > 0 || !rec.isEmpty()) {
            rec.add(f.toString());
            out.add(rec);
        }
        return out;
    }

    /** Convenience: column name to index map. */
    public static Map<String, Integer> index(List<String> header) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            m.put(header.get(i), i);
        }
        return m;
    }
}
