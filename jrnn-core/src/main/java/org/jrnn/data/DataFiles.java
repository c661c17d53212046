// Picks the reader for a data file: AgNewsCsv (the fast, exact path every AG News file has always taken)
// when nothing about the format was chosen and the file looks like AG News, TabularReader otherwise.
// Only the first record is looked at to decide; the chosen reader then checks every row.
package org.jrnn.data;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads a labelled data file in AG News or any tabular format. */
public final class DataFiles {
    /** Bytes read to find the first record. */
    static final int SNIFF_BYTES = 1 << 16;

    private DataFiles() {}

    /**
     * Reads {@code file} as AG News when {@code spec} is {@link ColumnSpec#DEFAULT}, the known classes (if
     * any) are AG News' (or their first few, in order), the name does not say TSV, and the first record is
     * three fields with an integer class 1..4; then class k is AG News' name k (World, Sports, Business,
     * Sci/Tech). Everything else goes to {@link TabularReader}, whose class names are the labels as written.
     * A missing, empty or unreadable file goes to AgNewsCsv too, for its messages.
     *
     * @param knownClasses as in {@link TabularReader#read(Path, ColumnSpec, List, String)}; null for training data
     */
    public static Dataset read(Path file, ColumnSpec spec, List<String> knownClasses, String knownFrom) throws IOException {
        if (spec.isDefault() && agNewsClasses(knownClasses) && looksLikeAgNews(file)) {
            return Dataset.agNews(file.toString(), AgNewsCsv.read(file));
        }
        return TabularReader.read(file, spec, knownClasses, knownFrom);
    }

    /** Training data: the classes come from the file. */
    public static Dataset read(Path file, ColumnSpec spec) throws IOException {
        return read(file, spec, null, null);
    }

    private static boolean agNewsClasses(List<String> known) {
        return known == null || known.size() <= AgNewsCsv.NUM_CLASSES && AgNewsCsv.CLASS_NAMES.subList(0, known.size()).equals(known);
    }

    /** True unless the first record clearly is not "class","title","description" with class 1..4. */
    static boolean looksLikeAgNews(Path file) throws IOException {
        String name = file.toString();
        if (ColumnSpec.DEFAULT.delimiterFor(name) != ',') return false;
        if (!Files.isRegularFile(file)) return true;
        byte[] head;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            head = in.readNBytes(SNIFF_BYTES);
        } catch (IOException e) {
            return true; // not gzip, unreadable: AgNewsCsv says so with its usual message
        }
        String text = new String(head, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        try (CsvReader<CsvRecord> reader = CsvReader.builder().ignoreDifferentFieldCount(true).ofCsvRecord(text)) {
            Iterator<CsvRecord> it = reader.iterator();
            if (!it.hasNext()) return true;
            CsvRecord first = it.next();
            if (first.getFieldCount() != 3) return false;
            String cls = first.getField(0);
            return cls.length() == 1 && cls.charAt(0) >= '1' && cls.charAt(0) <= '0' + AgNewsCsv.NUM_CLASSES;
        } catch (RuntimeException e) {
            return true; // a broken first record: AgNewsCsv reports it exactly as before
        }
    }
}
