// Reader for the AG News CSV format: no header, every row "class","title","description", quotes doubled.
// Strict on purpose: any malformed row stops the read with "<file>:<line>: <problem>" instead of being
// skipped, because a silently dropped or merged row changes the vocabulary and every figure after it.
// Backslashes are ordinary characters (AG News uses "\" as a line break); FastCSV has no escape character.
package org.jrnn.data;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads AG News CSV files (optionally gzip-compressed) into {@link Example}s, in file order. */
public final class AgNewsCsv {

    /** AG News has 4 classes; CSV class {@code k} (1-based) is label {@code k - 1}. */
    public static final int NUM_CLASSES = 4;
    /** Label names in label order, as in the original {@code classes.txt}. */
    public static final List<String> CLASS_NAMES = List.of("World", "Sports", "Business", "Sci/Tech");

    private AgNewsCsv() {
    }

    /**
     * Reads {@code file}; a name ending in {@code .gz} is decompressed first.
     *
     * @throws DataFormatException if the file is missing, a directory, empty, not gzip/UTF-8 where expected,
     *     or holds a malformed row; the message names the file and, for row problems, the line
     * @throws IOException on other read failures (the disk)
     */
    public static List<Example> read(Path file) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new DataFormatException(name, "is a directory, expected a CSV file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(name, "file not found");
        } catch (AccessDeniedException e) {
            throw new DataFormatException(name, "permission denied");
        }
        return parse(bytes, name);
    }

    /**
     * Reads a whole stream (for example a class-path resource); {@code displayName} is used in error messages
     * and, if it ends in {@code .gz}, means the stream is gzip-compressed. Does not close {@code in}.
     */
    public static List<Example> read(InputStream in, String displayName) throws IOException {
        return parse(in.readAllBytes(), displayName);
    }

    private static List<Example> parse(byte[] bytes, String name) throws IOException {
        String text = decode(bytes, name);
        long openQuoteRecordLine = unterminatedQuoteRecordLine(text);
        List<Example> rows = new ArrayList<>();
        try (CsvReader<CsvRecord> reader = CsvReader.builder()
                .acceptCharsAfterQuotes(false) // "a"b is a broken row, not the field ab
                .ignoreDifferentFieldCount(true) // we check the count ourselves, with a better message
                .ofCsvRecord(text)) {
            for (CsvRecord row : reader) {
                long line = row.getStartingLineNumber();
                if (line == openQuoteRecordLine) {
                    throw new DataFormatException(name, line,
                            "unterminated quoted field: a closing quote is missing, so the field runs to the end of the file");
                }
                rows.add(toExample(row, name, line));
            }
        } catch (CsvParseException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            // Usually an undoubled quote inside a field, or a missing closing quote that pairs up with the
            // next field's opening quote; either way the record that starts at this line is the broken one.
            throw new DataFormatException(name, failedLine(e.getMessage()), "malformed quotes in the record starting"
                    + " here: " + cause.getMessage() + " (quotes inside a field must be doubled; or a closing"
                    + " quote is missing)", e);
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(name, "no rows");
        }
        return Collections.unmodifiableList(rows);
    }

    private static Example toExample(CsvRecord row, String name, long line) {
        if (row.getFieldCount() != 3) {
            throw new DataFormatException(name, line,
                    "expected 3 fields (\"class\",\"title\",\"description\"), found " + row.getFieldCount());
        }
        String classField = row.getField(0);
        int classIndex;
        try {
            classIndex = Integer.parseInt(classField);
        } catch (NumberFormatException e) {
            throw new DataFormatException(name, line,
                    "class " + shorten(classField) + " is not an integer (expected 1.." + NUM_CLASSES + ")");
        }
        if (classIndex < 1 || classIndex > NUM_CLASSES) {
            throw new DataFormatException(name, line, "class " + classIndex + " is out of range 1.." + NUM_CLASSES);
        }
        return new Example(classIndex - 1, row.getField(1), row.getField(2));
    }

    /** Gunzips if {@code name} ends in .gz, decodes strict UTF-8 and drops a leading BOM. Shared with TabularReader. */
    static String decode(byte[] bytes, String name) {
        if (name.endsWith(".gz")) {
            bytes = gunzip(bytes, name);
        }
        String text = decodeUtf8(bytes, name);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a BOM is harmless; FastCSV would glue it to the first class field
        }
        return text;
    }

    private static byte[] gunzip(byte[] bytes, String name) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        } catch (IOException e) { // only ZipException/EOFException can come from an in-memory source
            throw new DataFormatException(name, 0, "not a valid gzip file (" + e.getMessage() + ")", e);
        }
    }

    /** Strict UTF-8: a bad byte is an error at its line, never a silent U+FFFD. */
    private static String decodeUtf8(byte[] bytes, String name) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never decodes to more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            long line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new DataFormatException(name, line,
                    String.format("invalid UTF-8 (byte 0x%02X at byte offset %d)", bytes[at] & 0xFF, at));
        }
        return out.flip().toString();
    }

    /**
     * FastCSV 3.4.0 silently closes a quoted field left open at the end of input, taking the rest of the
     * file as its value. Returns the line where the record holding such a field starts, or 0 if none.
     * Line breaks are counted as FastCSV does (\n, \r\n, \r).
     */
    static long unterminatedQuoteRecordLine(String s) {
        return unterminatedQuoteRecordLine(s, ',');
    }

    /** As {@link #unterminatedQuoteRecordLine(String)} for fields separated by {@code separator}. */
    static long unterminatedQuoteRecordLine(String s, char separator) {
        boolean quoted = false;
        boolean fieldStart = true;
        long line = 1;
        long recordLine = 1;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean lineBreak = c == '\n' || c == '\r';
            if (c == '\n' || (c == '\r' && (i + 1 == n || s.charAt(i + 1) != '\n'))) {
                line++;
            }
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && s.charAt(i + 1) == '"') {
                        i++;
                    } else {
                        quoted = false;
                    }
                }
            } else if (c == '"' && fieldStart) {
                quoted = true;
                fieldStart = false;
            } else {
                fieldStart = c == separator || lineBreak;
                if (lineBreak) {
                    recordLine = line;
                }
            }
        }
        return quoted ? recordLine : 0;
    }

    /** FastCSV names the record's first line in its message: "... record that started in line 17". */
    static long failedLine(String message) {
        String marker = "started in line ";
        int at = message == null ? -1 : message.indexOf(marker);
        if (at < 0) {
            return 1; // "Exception when reading first record"
        }
        try {
            return Long.parseLong(message.substring(at + marker.length()).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String shorten(String field) {
        String s = field.length() > 40 ? field.substring(0, 40) + "..." : field;
        return "\"" + s + "\"";
    }
}
