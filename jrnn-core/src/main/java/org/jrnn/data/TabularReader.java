// Reader for any CSV or TSV of labelled texts: columns by header name or 0-based index, labels as strings
// or integers. As strict as AgNewsCsv: every problem stops the read with "<file>:<line>: <problem>",
// because a silently skipped row or a header read as data changes the classes and every figure after it.
// Not a general CSV library: the whole file is read into memory, and there are no comments or escapes.
package org.jrnn.data;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a delimited file into a {@link Dataset} as a {@link ColumnSpec} says.
 *
 * <p><b>Header.</b> {@link ColumnSpec.Header#AUTO} means: a header if a column is chosen by name; else a
 * header if line 1's label field is not an integer while the other rows' are (AG News' Kaggle re-export,
 * {@code class_index,title,description}); else, when labels are known (a test file), a header if line 1's
 * label is not a known class but the other rows' are; else, for training data, a header if line 1's label
 * occurs in no other row while every other label occurs at least twice ({@code label,text} over
 * {@code pos}/{@code neg} rows); else data. When line 1's label is unique and so are some others, a header
 * cannot be told from a rare class: the reader asks for {@code --header} or {@code --no-header}.
 *
 * <p><b>Text.</b> The first text column becomes {@link Example#title()}, the others joined with " " its
 * {@link Example#description()}, so {@link TextField#TITLE_AND_DESCRIPTION} is all text columns joined
 * with " " and {@link TextField#TITLE} the first alone. A row whose text columns are all blank is an error.
 *
 * <p><b>Labels.</b> Stripped of surrounding whitespace; empty is an error. Without known classes the class
 * names are the distinct labels sorted: numerically if every label is an integer ({@code 2 < 10}), else by
 * {@link String#compareTo} (UTF-16 code units, so upper case sorts before lower case). Sorting (as Keras'
 * {@code text_dataset_from_directory} does) makes the label indices independent of row order, so a
 * shuffled copy of a file trains the same classes. Needs at least 2 classes. With known classes (a test
 * file, or data for a saved model) every label must be one of them.
 */
public final class TabularReader {
    /** Rows after line 1 looked at to decide whether line 1 is a header. */
    static final int HEADER_SAMPLE = 1000;

    private TabularReader() {}

    /** Reads a training file: the classes come from its labels. */
    public static Dataset read(Path file, ColumnSpec spec) throws IOException {
        return read(file, spec, null, null);
    }

    /**
     * Reads {@code file}; a name ending in {@code .gz} is decompressed first.
     *
     * @param knownClasses the classes labels must belong to (their order gives the label indices), or null
     *     to derive them from this file
     * @param knownFrom where the known classes come from, for messages: "the training data", "the model"
     * @throws DataFormatException for any problem with the file; the message names the file and line
     */
    public static Dataset read(Path file, ColumnSpec spec, List<String> knownClasses, String knownFrom) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new DataFormatException(name, "is a directory, expected a CSV or TSV file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(name, "file not found");
        } catch (AccessDeniedException e) {
            throw new DataFormatException(name, "permission denied");
        }
        return parse(bytes, name, spec, knownClasses, knownFrom);
    }

    /** As {@link #read(Path, ColumnSpec, List, String)} from a stream; does not close {@code in}. */
    public static Dataset read(InputStream in, String displayName, ColumnSpec spec, List<String> knownClasses, String knownFrom)
            throws IOException {
        return parse(in.readAllBytes(), displayName, spec, knownClasses, knownFrom);
    }

    /** One record: its first physical line and its fields. */
    private record Rec(long line, List<String> fields) {}

    /** One data row before its label becomes an index. */
    private record Row(long line, String label, String title, String description) {}

    private static Dataset parse(byte[] bytes, String name, ColumnSpec spec, List<String> known, String knownFrom) throws IOException {
        if (knownFrom == null) knownFrom = "the training data";
        char sep = spec.delimiterFor(name);
        String text = AgNewsCsv.decode(bytes, name);
        List<Rec> recs = spec.quoting() ? quotedRecords(text, name, sep) : plainRecords(text, sep);
        if (recs.isEmpty()) throw new DataFormatException(name, "no rows");

        boolean byName = spec.textColumns().stream().anyMatch(ColumnSpec.Column::byName)
                || spec.labelColumn() != null && spec.labelColumn().byName();
        int width = recs.get(0).fields().size();
        boolean header = switch (spec.header()) {
            case PRESENT -> true;
            case ABSENT -> false;
            case AUTO -> byName || detectHeader(recs, name, spec.labelColumn() == null ? 0 : spec.labelColumn().index(), known);
        };
        List<String> names = header ? recs.get(0).fields() : null;
        long firstLine = recs.get(0).line();
        int labelIdx = spec.labelColumn() == null ? 0 : resolve(spec.labelColumn(), "labelColumn", names, width, name, firstLine);
        List<Integer> textIdx = new ArrayList<>();
        for (ColumnSpec.Column c : spec.textColumns()) {
            int i = resolve(c, "textColumns", names, width, name, firstLine);
            if (i == labelIdx) {
                throw new DataFormatException(name, firstLine, "column " + describe(i, names) + " is both the label column and a text column");
            }
            if (textIdx.contains(i)) throw new DataFormatException(name, firstLine, "column " + describe(i, names) + " is chosen twice as a text column");
            textIdx.add(i);
        }
        if (textIdx.isEmpty()) {
            for (int i = 0; i < width; i++) if (i != labelIdx) textIdx.add(i);
            if (textIdx.isEmpty()) {
                throw new DataFormatException(name, firstLine, n -> "only one column: expected a label column and at least one text column"
                        + (sep == ',' ? " (for a TSV file use the .tsv extension or " + n.apply("delimiter") + " tab)" : ""), null);
            }
        }

        List<Row> rows = new ArrayList<>(recs.size());
        long emptyLine = 0;
        int emptyCount = 0;
        for (int r = header ? 1 : 0; r < recs.size(); r++) {
            Rec rec = recs.get(r);
            List<String> f = rec.fields();
            if (f.size() != width) {
                throw new DataFormatException(name, rec.line(), "expected " + width + " fields like " + (header ? "the header" : "line " + firstLine)
                        + ", found " + f.size() + (sep == '\t' ? " (a tab inside a field?)" : ""));
            }
            String label = f.get(labelIdx).strip();
            if (label.isEmpty()) throw new DataFormatException(name, rec.line(), "empty label in column " + describe(labelIdx, names));
            String title = f.get(textIdx.get(0));
            StringBuilder description = new StringBuilder();
            boolean blank = title.isBlank();
            for (int k = 1; k < textIdx.size(); k++) {
                String part = f.get(textIdx.get(k));
                if (k > 1) description.append(' ');
                description.append(part);
                blank &= part.isBlank();
            }
            if (blank) {
                if (emptyCount++ == 0) emptyLine = rec.line();
            }
            rows.add(new Row(rec.line(), label, title, description.toString()));
        }
        if (rows.isEmpty()) throw new DataFormatException(name, "no rows after the header");
        if (emptyCount > 0) {
            throw new DataFormatException(name, emptyLine, "empty text in " + describeAll(textIdx, names) + "; " + emptyCount + " row"
                    + (emptyCount == 1 ? " has" : "s have") + " no text, the first at this line (remove them, or choose other text columns)");
        }

        List<String> classes = known != null ? List.copyOf(known) : classes(rows, name, describe(labelIdx, names));
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) index.put(classes.get(i), i);
        List<Example> examples = new ArrayList<>(rows.size());
        Row firstUnknown = null;
        Set<String> unknown = new LinkedHashSet<>();
        for (Row row : rows) {
            Integer y = index.get(row.label());
            if (y == null) {
                if (firstUnknown == null) firstUnknown = row;
                unknown.add(row.label());
                continue;
            }
            examples.add(new Example(y, row.title(), row.description()));
        }
        if (firstUnknown != null) {
            List<String> shown = new ArrayList<>(unknown).subList(0, Math.min(5, unknown.size()));
            String others = unknown.size() > 1 ? " (" + unknown.size() + " unknown labels in all: " + quoteAll(shown)
                    + (unknown.size() > shown.size() ? ", ..." : "") + ")" : "";
            boolean maybeHeader = !header && spec.header() == ColumnSpec.Header.AUTO && firstUnknown.line() == firstLine;
            String problem = "label " + quote(firstUnknown.label()) + " is not one of the classes of " + knownFrom
                    + " (" + String.join(", ", classes) + ")" + others;
            String hint = maybeHeader ? "; if line " + firstLine + " is a header, pass " : null;
            throw new DataFormatException(name, firstUnknown.line(), n -> hint == null ? problem : problem + hint + n.apply(ColumnSpec.HEADER), null);
        }
        String format = (sep == '\t' ? "TSV" : sep == ',' ? "CSV" : "delimited (" + ColumnSpec.printable(sep) + ")")
                + (header ? spec.header() == ColumnSpec.Header.AUTO && !byName ? " with header (detected)" : " with header" : ", no header") + "; label: " + describe(labelIdx, names) + "; text: " + describeAll(textIdx, names);
        return new Dataset(name, examples, classes, format);
    }

    // ---------------------------------------------------------------- records

    private static List<Rec> quotedRecords(String text, String name, char sep) throws IOException {
        long openQuoteRecordLine = AgNewsCsv.unterminatedQuoteRecordLine(text, sep);
        List<Rec> recs = new ArrayList<>();
        try (CsvReader<CsvRecord> reader = CsvReader.builder()
                .fieldSeparator(sep)
                .acceptCharsAfterQuotes(false) // "a"b is a broken field, not the field ab
                .ignoreDifferentFieldCount(true) // checked by the caller, with a better message
                .ofCsvRecord(text)) {
            for (CsvRecord row : reader) {
                long line = row.getStartingLineNumber();
                if (line == openQuoteRecordLine) {
                    throw new DataFormatException(name, line,
                            n -> "unterminated quoted field: a closing quote is missing, so the field runs to the end of the file"
                                    + " (or, if \" is an ordinary character in this file, pass " + n.apply(ColumnSpec.NO_QUOTING) + ")", null);
                }
                recs.add(new Rec(line, row.getFields()));
            }
        } catch (CsvParseException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new DataFormatException(name, AgNewsCsv.failedLine(e.getMessage()), n -> "malformed quotes in the record starting here: "
                    + cause.getMessage() + " (quotes inside a quoted field must be doubled; if \" is an ordinary character in this file,"
                    + " pass " + n.apply(ColumnSpec.NO_QUOTING) + ")", e);
        }
        return recs;
    }

    /** No quoting at all: one record per non-empty line, split at every delimiter. */
    private static List<Rec> plainRecords(String text, char sep) {
        List<Rec> recs = new ArrayList<>();
        Pattern split = Pattern.compile(Pattern.quote(String.valueOf(sep)));
        long line = 0;
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = n;
            line++;
            String s = text.substring(start, end);
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            if (!s.isEmpty()) recs.add(new Rec(line, List.of(split.split(s, -1))));
            start = end + 1;
        }
        return recs;
    }

    // ---------------------------------------------------------------- header and columns

    private static boolean detectHeader(List<Rec> recs, String name, int labelIdx, List<String> known) {
        if (recs.size() < 2 || labelIdx >= recs.get(0).fields().size()) return false;
        String first = recs.get(0).fields().get(labelIdx).strip();
        List<String> sample = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        int others = 0;
        for (int r = 1; r < recs.size(); r++) {
            List<String> f = recs.get(r).fields();
            if (labelIdx >= f.size()) continue;
            String label = f.get(labelIdx).strip();
            counts.merge(label, 1, Integer::sum);
            others++;
            if (sample.size() < HEADER_SAMPLE) sample.add(label);
        }
        if (sample.isEmpty()) return false;
        if (!isInteger(first) && sample.stream().allMatch(TabularReader::isInteger)) return true;
        if (known != null) return !known.contains(first) && known.containsAll(sample);
        if (counts.containsKey(first) || isInteger(first) || counts.size() == others) return false;
        // Line 1's label is unique. If every other label repeats, a one-example class is far less likely
        // than a header; if other labels are unique too, the file cannot tell, so the user must.
        if (counts.values().stream().allMatch(c -> c >= 2)) return true;
        throw new DataFormatException(name, recs.get(0).line(), n -> "is this line a header? Its label field " + quote(first)
                + " occurs in no other row, and neither do some other labels: pass " + n.apply(ColumnSpec.HEADER) + " if it is, or "
                + n.apply(ColumnSpec.NO_HEADER) + " if it is data", null);
    }

    /** The column {@code c} picks; {@code setting} ("labelColumn", "textColumns") names it in errors. */
    private static int resolve(ColumnSpec.Column c, String setting, List<String> names, int width, String name, long line) {
        if (!c.byName()) {
            if (c.index() >= width) {
                throw new DataFormatException(name, line, n -> n.apply(setting) + " " + c.index() + " is out of range: line " + line
                        + " has " + width + " column" + (width == 1 ? "" : "s") + " (0.." + (width - 1) + ")", null);
            }
            return c.index();
        }
        List<Integer> hits = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) if (names.get(i).equals(c.name())) hits.add(i);
        if (hits.isEmpty()) {
            for (int i = 0; i < names.size(); i++) if (names.get(i).strip().equalsIgnoreCase(c.name().strip())) hits.add(i);
        }
        if (hits.size() > 1) {
            throw new DataFormatException(name, line, "the header names column " + quote(c.name()) + " " + hits.size()
                    + " times (at " + hits + "): choose it by 0-based index");
        }
        if (hits.isEmpty()) {
            throw new DataFormatException(name, line, n -> n.apply(setting) + " " + quote(c.name()) + ": no such column; the header has: "
                    + quoteAll(names), null);
        }
        return hits.get(0);
    }

    // ---------------------------------------------------------------- classes

    private static List<String> classes(List<Row> rows, String name, String column) {
        Map<String, Integer> counts = new HashMap<>();
        for (Row r : rows) counts.merge(r.label(), 1, Integer::sum);
        List<String> classes = new ArrayList<>(counts.keySet());
        if (classes.size() < 2) {
            throw new DataFormatException(name, "needs at least 2 classes, found 1: every row has the label " + quote(classes.get(0))
                    + " (label column " + column + ")");
        }
        if (classes.size() > 20 && classes.size() * 2L > rows.size()) {
            throw new DataFormatException(name, 0, n -> "label column " + column + " has " + classes.size() + " distinct labels in "
                    + rows.size() + " rows: is it really the label column? (choose it with " + n.apply("labelColumn") + ")", null);
        }
        boolean integers = classes.stream().allMatch(TabularReader::isInteger);
        Comparator<String> order = integers
                ? Comparator.<String, java.math.BigInteger>comparing(java.math.BigInteger::new).thenComparing(Comparator.naturalOrder())
                : Comparator.naturalOrder();
        classes.sort(order);
        return classes;
    }

    static boolean isInteger(String s) {
        int i = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
        if (i == s.length()) return false;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- messages

    private static String describe(int i, List<String> names) {
        return names != null ? quote(names.get(i)) : String.valueOf(i);
    }

    private static String describeAll(List<Integer> idx, List<String> names) {
        List<String> parts = new ArrayList<>();
        for (int i : idx) parts.add(describe(i, names));
        return (idx.size() == 1 ? "column " : "columns ") + String.join(" + ", parts);
    }

    private static String quote(String s) {
        return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    }

    private static String quoteAll(List<String> names) {
        List<String> q = new ArrayList<>();
        for (String s : names) q.add(quote(s));
        return String.join(", ", q);
    }
}
