package landscape.core.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeException;

/**
 * The one RFC 4180 CSV reader and writer. The reader remembers the line each record starts on, for error messages;
 * quoted fields may hold commas, doubled quotes and line breaks; blank lines are skipped. The writer quotes fields
 * that need it and writes atomically (temporary name, then rename).
 */
public final class Csv {
    private Csv() {
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

    /** Reads and parses a UTF-8 file; bytes that are not UTF-8 are an error naming their line. */
    public static List<Record> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw LandscapeException.io(file, "cannot read", e);
        }
        try {
            return parse(file, StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw LandscapeException.of(file, "line " + lineOfFirstBadByte(bytes) + " is not UTF-8 text (save the file as UTF-8)");
        }
    }

    /** The 1-based line that holds the first byte sequence that is not UTF-8. */
    private static int lineOfFirstBadByte(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        d.decode(in, out, true); // stops at the first bad sequence
        int line = 1;
        for (int i = 0; i < in.position(); i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /** Quotes a field when it holds a comma, quote or line break; null is written as an empty field. */
    public static String quote(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Writes a header line and rows, each field quoted as needed, atomically. */
    public static void write(Path file, List<String> header, List<List<String>> rows) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            writeLine(w, header);
            for (List<String> r : rows) {
                writeLine(w, r);
            }
            w.close();
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the error that stopped the write is what the user sees
            }
            throw LandscapeException.of(file, "cannot write: " + e.getMessage());
        }
    }

    private static void writeLine(BufferedWriter w, List<String> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(quote(fields.get(i)));
        }
        w.write('\n');
    }
}
