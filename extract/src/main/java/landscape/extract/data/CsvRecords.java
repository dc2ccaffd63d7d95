package landscape.extract.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeException;

/**
 * A small RFC 4180 reader that remembers the line each record starts on, for error messages. Quoted fields may
 * hold commas, doubled quotes and line breaks. Blank lines are skipped.
 */
public final class CsvRecords {
    private CsvRecords() {
    }

    /** One record and the 1-based line it starts on. */
    public record Record(int line, List<String> fields) {
    }

    public static List<Record> parse(Path file, String text) {
        List<Record> out = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        int line = 1;
        int recordLine = 1;
        boolean inQuotes = false;
        boolean afterQuote = false;
        boolean started = false;
        int n = text.length();
        int i = n > 0 && text.charAt(0) == '\uFEFF' ? 1 : 0;
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (inQuotes) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        inQuotes = false;
                        afterQuote = true;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    f.append(c);
                }
                continue;
            }
            if (c == ',') {
                fields.add(f.toString());
                f.setLength(0);
                afterQuote = false;
                started = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (started || f.length() > 0 || afterQuote) {
                    fields.add(f.toString());
                    out.add(new Record(recordLine, List.copyOf(fields)));
                }
                fields.clear();
                f.setLength(0);
                started = false;
                afterQuote = false;
                line++;
                recordLine = line;
            } else if (c == '"' && f.length() == 0 && !afterQuote) {
                inQuotes = true;
                started = true;
            } else if (afterQuote) {
                throw LandscapeException.of(file, "line " + line + ": unexpected character after a closing quote");
            } else {
                f.append(c);
                started = true;
            }
        }
        if (inQuotes) {
            throw LandscapeException.of(file, "line " + recordLine + ": quoted field is not closed before the end of the file");
        }
        if (started || f.length() > 0 || afterQuote) {
            fields.add(f.toString());
            out.add(new Record(recordLine, List.copyOf(fields)));
        }
        return out;
    }
}
