package landscape.core.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

        /**
         * Row i of samples.csv describes row i of every tensor: when the table has a {@code row} column (extraction
         * writes one), it must read 0, 1, 2, ... in order, so a file sorted or filtered after extraction is an error
         * rather than labels joined to the wrong rows.
         */
        public void checkRowOrder() {
            if (!has("row")) {
                return;
            }
            List<String> rowValues = values("row");
            for (int i = 0; i < rowValues.size(); i++) {
                String v = rowValues.get(i).trim();
                if (!v.equals(String.valueOf(i))) {
                    throw LandscapeException.of(file, "line " + (i + 2) + ": row is " + (v.matches("-?\\d+") ? v
                            : "'" + rowValues.get(i) + "'") + ", expected " + i + " (row i of samples.csv must describe "
                            + "row i of the tensor)");
                }
            }
        }
    }

    /** Reads any CSV with a header. Every record must have as many fields as the header. */
    public static Table readTable(Path file) {
        List<Csv.Record> records = Csv.read(file);
        if (records.isEmpty()) {
            throw LandscapeException.of(file, "empty CSV (no header)");
        }
        List<String> header = records.get(0).fields();
        List<List<String>> rows = new ArrayList<>(records.size() - 1);
        for (Csv.Record r : records.subList(1, records.size())) {
            if (r.fields().size() != header.size()) {
                throw LandscapeException.of(file, "line " + r.line() + " has " + r.fields().size()
                        + " fields, header has " + header.size());
            }
            rows.add(r.fields());
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
        List<List<String>> rows = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            rows.add(List.of(String.valueOf(s.row()), String.valueOf(s.datasetIndex()), nz(s.subject()), nz(s.answer()),
                    nz(s.prediction()), nz(s.constrainedPrediction()), String.valueOf(s.nTokens())));
        }
        Csv.write(file, List.of(Sample.HEADER.split(",")), rows);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
