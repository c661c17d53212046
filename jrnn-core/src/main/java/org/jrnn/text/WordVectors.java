// Pretrained word vectors (GloVe text, word2vec text, word2vec binary) matched onto a vocabulary, to
// initialise an Embedding. Streams the file once and keeps only the vectors of vocabulary tokens, so a
// multi-GB file needs memory for V x E floats only. Strict like the data readers: a malformed line, an
// inconsistent dimension or a truncated binary file stops the read with "<file>:<line>: <problem>".
// Not a general embedding store: no nearest neighbours, no writing, no fastText subwords.
package org.jrnn.text;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.jrnn.data.DataFormatException;

/**
 * Vectors for the tokens of a vocabulary, read from a pretrained file.
 *
 * <p><b>Formats.</b> A name ending in {@code .bin} (optionally {@code .bin.gz}) is word2vec binary: a
 * header line {@code "count dim"}, then per word the word's UTF-8 bytes, a space, {@code dim}
 * little-endian float32 values and an optional newline (Mikolov's word2vec.c {@code ReadWord}/{@code fread}).
 * Anything else is text, one word and its values per line separated by spaces; a first line of exactly two
 * integers is word2vec's {@code "count dim"} header, otherwise (GloVe) there is no header and the first
 * line's value count sets the dimension. Lines with more fields whose second field is not a number are
 * words containing spaces (GloVe 840B has a few); they can never match a vocabulary token and are skipped.
 * Words are decoded as UTF-8, bad bytes replaced (such words simply do not match).
 *
 * <p><b>Matching.</b> Vocabulary tokens are already standardized by {@link TextVectorizer} (ASCII
 * lower-case, punctuation stripped). A token takes the vector of the file word equal to it; failing that,
 * of the first file word whose ASCII lower-casing (the vectorizer's own lower-casing) equals it, so cased
 * files such as GoogleNews word2vec still cover "paris" with "Paris". Padding (index 0) and {@code [UNK]}
 * (index 1) are never matched. Of several equal file words the first wins.
 *
 * <p><b>Bounds.</b> Nothing is allocated from a declared count: the dimension must be at most
 * {@value #MAX_DIM}, a word at most {@value #MAX_WORD_BYTES} bytes, a text line at most
 * {@value #MAX_LINE_BYTES} bytes; the header's word count is only compared with the words found.
 */
public final class WordVectors {
    public static final int MAX_DIM = 10_000;
    public static final int MAX_WORD_BYTES = 4096;
    public static final int MAX_LINE_BYTES = 1 << 20;

    private final String file;
    private final String format;
    private final int dim;
    private final long fileWords;
    private final float[][] rows;
    private final int exact;
    private final int lowerCase;

    private WordVectors(String file, String format, int dim, long fileWords, float[][] rows, int exact, int lowerCase) {
        this.file = file;
        this.format = format;
        this.dim = dim;
        this.fileWords = fileWords;
        this.rows = rows;
        this.exact = exact;
        this.lowerCase = lowerCase;
    }

    /**
     * Reads {@code file} and keeps the vectors of {@code vocabulary}'s tokens (index order, entries 0 and 1
     * being padding and {@code [UNK]}).
     *
     * @throws DataFormatException if the file is missing, malformed, truncated or has an impossible dimension
     */
    public static WordVectors read(Path file, List<String> vocabulary) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) throw new DataFormatException(name, "is a directory, expected a word-vector file");
        String lower = name.toLowerCase(Locale.ROOT);
        boolean gz = lower.endsWith(".gz");
        boolean binary = (gz ? lower.substring(0, lower.length() - 3) : lower).endsWith(".bin");
        Matcher m = new Matcher(vocabulary);
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(name, "file not found");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new DataFormatException(name, "permission denied");
        }
        try (InputStream in = new BufferedInputStream(gz ? gunzip(raw, name) : raw, 1 << 16)) {
            return binary ? readBinary(in, name, m) : readText(in, name, m);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new DataFormatException(name, "not a valid gzip file (" + e.getMessage() + ")");
        }
    }

    private static InputStream gunzip(InputStream raw, String name) throws IOException {
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw new DataFormatException(name, "not a valid gzip file (" + e.getMessage() + ")");
        }
    }

    /** The file as named by the caller. */
    public String file() {
        return file;
    }

    /** "GloVe text", "word2vec text" or "word2vec binary". */
    public String format() {
        return format;
    }

    /** E: the vectors' dimension. */
    public int dim() {
        return dim;
    }

    /** Words (vectors) in the file. */
    public long fileWords() {
        return fileWords;
    }

    /** The vector for vocabulary index {@code i}, or null when the file has none (always null for 0 and 1). */
    public float[] row(int i) {
        return rows[i];
    }

    /** Vocabulary tokens that can be matched: all but padding and [UNK]. */
    public int tokens() {
        return Math.max(0, rows.length - 2);
    }

    /** Tokens found, exactly or by lower-casing. */
    public int found() {
        return exact + lowerCase;
    }

    /** Tokens found only through a lower-cased file word. */
    public int foundLowerCase() {
        return lowerCase;
    }

    /** Percentage of {@link #tokens()} found. */
    public double coveragePercent() {
        return tokens() == 0 ? 0 : 100.0 * found() / tokens();
    }

    /**
     * Copies the vectors found into {@code weight} (V, E) row-major, leaving other rows (padding, [UNK],
     * tokens not found) as they are.
     *
     * @return rows written
     */
    public int copyInto(float[] weight, int vocabSize, int embeddingDim) {
        if (vocabSize != rows.length || embeddingDim != dim) {
            throw new IllegalArgumentException("embedding is (" + vocabSize + ", " + embeddingDim + ") but the vectors are for ("
                    + rows.length + ", " + dim + ")");
        }
        int n = 0;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) continue;
            System.arraycopy(rows[i], 0, weight, i * dim, dim);
            n++;
        }
        return n;
    }

    /** "9,812 of 11,356 vocabulary tokens found (86.4 %)". */
    public String coverage() {
        return String.format(Locale.ROOT, "%,d of %,d vocabulary tokens found (%.1f %%)", found(), tokens(), coveragePercent());
    }

    @Override
    public String toString() {
        return "WordVectors(" + file + ", " + format + ", dim=" + dim + ", " + coverage() + ")";
    }

    // ---------------------------------------------------------------- matching

    /** Collects the vectors of vocabulary tokens while the file streams past. */
    private static final class Matcher {
        final Map<String, Integer> index = new HashMap<>();
        final float[][] rows;
        final boolean[] isExact;
        int exact;
        int lowerCase;

        Matcher(List<String> vocabulary) {
            rows = new float[vocabulary.size()][];
            isExact = new boolean[vocabulary.size()];
            for (int i = 2; i < vocabulary.size(); i++) index.put(vocabulary.get(i), i);
        }

        /** The vocabulary index {@code word} would fill (exactly or lower-cased), or -1 if none. */
        int slot(String word) {
            Integer i = index.get(word);
            if (i != null) return isExact[i] ? -1 : i;
            String lower = asciiLower(word);
            if (lower.equals(word)) return -1;
            i = index.get(lower);
            return i != null && rows[i] == null ? i : -1;
        }

        void put(int i, String word, float[] v) {
            boolean ex = index.get(word) != null;
            if (rows[i] != null && !isExact[i]) lowerCase--; // an exact match replaces an earlier lower-cased one
            rows[i] = v;
            isExact[i] = ex;
            if (ex) exact++;
            else lowerCase++;
        }

        WordVectors result(String file, String format, int dim, long words) {
            return new WordVectors(file, format, dim, words, rows, exact, lowerCase);
        }
    }

    /** ASCII A-Z to lower case, as {@link TextVectorizer#standardize} does; the same String if unchanged. */
    static String asciiLower(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] a = s.toCharArray();
                for (int j = i; j < a.length; j++) if (a[j] >= 'A' && a[j] <= 'Z') a[j] += 'a' - 'A';
                return new String(a);
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- text

    private static WordVectors readText(InputStream in, String name, Matcher m) throws IOException {
        LineReader lines = new LineReader(in, name);
        String first = lines.next();
        if (first == null) throw new DataFormatException(name, "empty file");
        String[] f = fields(first);
        long declared = -1;
        int dim;
        String format;
        if (f.length == 2 && isCount(f[0]) && isCount(f[1])) {
            declared = parseCount(f[0], name, "word count");
            dim = dimension(parseCount(f[1], name, "dimension"), name, 1);
            format = "word2vec text";
        } else {
            if (f.length < 2) throw new DataFormatException(name, 1, "expected a word and its vector values, or a \"count dim\" header");
            dim = dimension(f.length - 1, name, 1);
            format = "GloVe text";
            vectorLine(f, name, 1, dim, m);
        }
        long words = declared < 0 ? 1 : 0;
        for (String line = lines.next(); line != null; line = lines.next()) {
            if (line.isEmpty()) continue;
            if (declared >= 0 && words == declared) {
                throw new DataFormatException(name, lines.number(), "more words than the " + declared + " the header announces");
            }
            vectorLine(fields(line), name, lines.number(), dim, m);
            words++;
        }
        if (declared >= 0 && words < declared) {
            throw new DataFormatException(name, "truncated: the header announces " + declared + " words, the file has " + words);
        }
        return m.result(name, format, dim, words);
    }

    private static void vectorLine(String[] f, String name, long line, int dim, Matcher m) {
        if (f.length > dim + 1 && !isNumber(f[1])) return; // a word with spaces: never a vocabulary token
        if (f.length != dim + 1) {
            throw new DataFormatException(name, line, "expected " + dim + " values after the word (the dimension set by "
                    + "line 1), found " + (f.length - 1));
        }
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
            float x;
            try {
                x = Float.parseFloat(f[j + 1]);
            } catch (NumberFormatException e) {
                throw new DataFormatException(name, line, "value " + (j + 1) + " of '" + shorten(f[0]) + "' is not a number: '" + shorten(f[j + 1]) + "'");
            }
            if (!Float.isFinite(x)) {
                throw new DataFormatException(name, line, "value " + (j + 1) + " of '" + shorten(f[0]) + "' is not finite: " + f[j + 1]);
            }
            v[j] = x;
        }
        int slot = m.slot(f[0]);
        if (slot >= 0) m.put(slot, f[0], v);
    }

    /** Fields separated by runs of spaces or tabs (word2vec.c writes a trailing space). */
    private static String[] fields(String line) {
        List<String> out = new ArrayList<>();
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
            int start = i;
            while (i < n && line.charAt(i) != ' ' && line.charAt(i) != '\t') i++;
            if (i > start) out.add(line.substring(start, i));
        }
        return out.toArray(new String[0]);
    }

    /** Lines split at \n (a trailing \r dropped), bounded in length, decoded leniently as UTF-8. */
    private static final class LineReader {
        private final InputStream in;
        private final String name;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        private long number;

        LineReader(InputStream in, String name) {
            this.in = in;
            this.name = name;
        }

        long number() {
            return number;
        }

        String next() throws IOException {
            buf.reset();
            int b = in.read();
            if (b < 0) return null;
            number++;
            while (b >= 0 && b != '\n') {
                if (b == 0) {
                    throw new DataFormatException(name, number, "binary data in a text file (word2vec binary files must be named *.bin)");
                }
                if (buf.size() >= MAX_LINE_BYTES) throw new DataFormatException(name, number, "line longer than " + MAX_LINE_BYTES + " bytes");
                buf.write(b);
                b = in.read();
            }
            byte[] bytes = buf.toByteArray();
            int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            return new String(bytes, 0, len, StandardCharsets.UTF_8);
        }
    }

    // ---------------------------------------------------------------- binary

    private static WordVectors readBinary(InputStream in, String name, Matcher m) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0 || head.size() > 64) throw new DataFormatException(name, 1, "expected a \"count dim\" header line");
            head.write(b);
        }
        String[] f = fields(head.toString(StandardCharsets.US_ASCII).strip());
        if (f.length != 2 || !isCount(f[0]) || !isCount(f[1])) {
            throw new DataFormatException(name, 1, "expected a \"count dim\" header line, found '" + shorten(head.toString(StandardCharsets.ISO_8859_1)) + "'");
        }
        long declared = parseCount(f[0], name, "word count");
        int dim = dimension(parseCount(f[1], name, "dimension"), name, 1);
        byte[] vec = new byte[dim * Float.BYTES];
        ByteBuffer bb = ByteBuffer.wrap(vec).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream word = new ByteArrayOutputStream(64);
        for (long k = 1; k <= declared; k++) {
            word.reset();
            int b = in.read();
            while (b == '\n') b = in.read(); // the optional newline after the previous vector
            while (b >= 0 && b != ' ') {
                if (word.size() >= MAX_WORD_BYTES) {
                    throw new DataFormatException(name, "word " + k + " is longer than " + MAX_WORD_BYTES + " bytes (not a word2vec binary file?)");
                }
                word.write(b);
                b = in.read();
            }
            if (b < 0) throw truncated(name, declared, k, word);
            String w = word.toString(StandardCharsets.UTF_8);
            if (in.readNBytes(vec, 0, vec.length) < vec.length) throw truncated(name, declared, k, word);
            int slot = m.slot(w);
            float[] v = null;
            for (int j = 0; j < dim; j++) {
                float x = bb.getFloat(j * Float.BYTES);
                if (!Float.isFinite(x)) {
                    throw new DataFormatException(name, "word " + k + " ('" + shorten(w) + "'): value " + (j + 1) + " is not finite (" + x + ")");
                }
                if (slot >= 0) {
                    if (v == null) v = new float[dim];
                    v[j] = x;
                }
            }
            if (slot >= 0) m.put(slot, w, v);
        }
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b != '\n' && b != '\r' && b != ' ') {
                throw new DataFormatException(name, "more data after the " + declared + " words the header announces");
            }
        }
        return m.result(name, "word2vec binary", dim, declared);
    }

    private static DataFormatException truncated(String name, long declared, long k, ByteArrayOutputStream word) {
        String w = word.toString(StandardCharsets.UTF_8);
        return new DataFormatException(name, "truncated: the header announces " + declared + " words, the file ends in word " + k
                + (w.isEmpty() ? "" : " ('" + shorten(w) + "')"));
    }

    // ---------------------------------------------------------------- numbers

    private static boolean isCount(String s) {
        if (s.isEmpty() || s.length() > 18) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    private static long parseCount(String s, String name, String what) {
        if (!isCount(s)) throw new DataFormatException(name, 1, "header " + what + " '" + shorten(s) + "' is not a non-negative integer");
        return Long.parseLong(s);
    }

    private static int dimension(long d, String name, long line) {
        if (d < 1 || d > MAX_DIM) {
            throw new DataFormatException(name, line, "dimension " + d + " is outside 1.." + MAX_DIM);
        }
        return (int) d;
    }

    private static boolean isNumber(String s) {
        try {
            Float.parseFloat(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
