// How to read a delimited text file of labelled texts: the delimiter, whether line 1 is a header, which
// columns hold the text and which the label. Plain settings, checked for consistency here; matching them
// against a real file (unknown names, indices out of range) is TabularReader's job. Bad settings throw
// InvalidOptionException naming them as the record does (delimiter, textColumns, labelColumn, header).
package org.jrnn.data;

import java.util.ArrayList;
import java.util.List;
import org.jrnn.errors.InvalidOptionException;

/**
 * Settings for {@link TabularReader}. Every field has a default, and {@link #DEFAULT} (all defaults) lets
 * {@link DataFiles} take the AG News fast path for files in that format.
 *
 * @param delimiter field separator, or null for "by file name": {@code .tsv}/{@code .tab} (before an
 *     optional {@code .gz}) mean tab, anything else comma
 * @param header whether line 1 names the columns
 * @param textColumns columns joined with " " in this order to make the text; empty = every column but
 *     the label column, in file order (so AG News' class,title,description gives title + " " + description)
 * @param labelColumn the label column, or null for column 0
 * @param quoting true (default): a field may be quoted with {@code "}, quotes inside doubled (RFC 4180);
 *     false: {@code "} is an ordinary character and a field ends at the next delimiter (IANA TSV)
 */
public record ColumnSpec(Character delimiter, Header header, List<Column> textColumns, Column labelColumn, boolean quoting) {

    /** Whether line 1 is a header. */
    public enum Header {
        /** Decide from the file; see {@link TabularReader}. */
        AUTO,
        PRESENT,
        ABSENT
    }

    /** A column by header name or by 0-based index. */
    public record Column(String name, int index) {
        public Column {
            if (name == null && index < 0) throw new InvalidOptionException("column index must be >= 0, received: " + index);
            if (name != null && name.isEmpty()) throw new InvalidOptionException("column name must not be empty");
        }

        /** A 0-based index if {@code s} is all ASCII digits, else a header name. */
        public static Column parse(String s) {
            if (s == null || s.isEmpty()) throw new InvalidOptionException("a column must be a header name or a 0-based index, received an empty value");
            if (s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                try {
                    return new Column(null, Integer.parseInt(s));
                } catch (NumberFormatException e) {
                    throw new InvalidOptionException("column index " + s + " is too large");
                }
            }
            return new Column(s, -1);
        }

        public boolean byName() {
            return name != null;
        }

        @Override
        public String toString() {
            return name != null ? "'" + name + "'" : String.valueOf(index);
        }
    }

    public static final ColumnSpec DEFAULT = new ColumnSpec(null, Header.AUTO, List.of(), null, true);

    /** How messages name the setting "header = ABSENT" ({@link InvalidOptionException#message}). */
    public static final String NO_HEADER = "header=ABSENT";
    /** Setting names for messages that tell the user which setting to change (a front end spells them its way). */
    public static final String HEADER = "header=PRESENT";
    public static final String NO_QUOTING = "quoting=false";

    public ColumnSpec {
        if (header == null) header = Header.AUTO;
        textColumns = textColumns == null ? List.of() : List.copyOf(textColumns);
        if (delimiter != null && (delimiter == '"' || delimiter == '\n' || delimiter == '\r')) {
            throw InvalidOptionException.of("delimiter", "cannot be a quote or a line break, received: " + printable(delimiter));
        }
        List<Column> seen = new ArrayList<>();
        for (Column c : textColumns) {
            if (seen.contains(c)) throw InvalidOptionException.of("textColumns", c + " is given twice");
            seen.add(c);
        }
        if (labelColumn != null && textColumns.contains(labelColumn)) {
            Column both = labelColumn;
            throw new InvalidOptionException(n -> "column " + both + " cannot be both " + n.apply("labelColumn") + " and " + n.apply("textColumns"));
        }
        if (header == Header.ABSENT && (labelColumn != null && labelColumn.byName() || textColumns.stream().anyMatch(Column::byName))) {
            throw new InvalidOptionException(n -> "columns are chosen by name, but " + n.apply(NO_HEADER) + " says the file has no header: use 0-based indices");
        }
    }

    /**
     * Parses the command-line spelling: {@code delimiter} one character, {@code tab} or {@code \t} (null =
     * by file name); {@code header} true, false or null (auto); columns as in {@link Column#parse}.
     */
    public static ColumnSpec of(String delimiter, Boolean header, List<String> textColumns, String labelColumn, boolean quoting) {
        List<Column> text = new ArrayList<>();
        if (textColumns != null) for (String s : textColumns) text.add(Column.parse(s));
        return new ColumnSpec(parseDelimiter(delimiter), header == null ? Header.AUTO : header ? Header.PRESENT : Header.ABSENT,
                text, labelColumn == null ? null : Column.parse(labelColumn), quoting);
    }

    static Character parseDelimiter(String s) {
        if (s == null) return null;
        return switch (s) {
            case "tab", "\\t", "\t" -> '\t';
            case "comma" -> ',';
            case "semicolon" -> ';';
            case "pipe" -> '|';
            default -> {
                if (s.length() != 1) {
                    throw InvalidOptionException.of("delimiter", "must be one character, tab, comma, semicolon or pipe, received: " + s);
                }
                yield s.charAt(0);
            }
        };
    }

    /** True when nothing was chosen: AG News files may then take the fast path. */
    public boolean isDefault() {
        return equals(DEFAULT);
    }

    /** The delimiter for {@code fileName}: the chosen one, else tab for .tsv/.tab (optionally .gz), else comma. */
    public char delimiterFor(String fileName) {
        if (delimiter != null) return delimiter;
        String n = fileName.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        return n.endsWith(".tsv") || n.endsWith(".tab") ? '\t' : ',';
    }

    static String printable(char c) {
        return switch (c) {
            case '\t' -> "tab";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            default -> "'" + c + "'";
        };
    }
}
