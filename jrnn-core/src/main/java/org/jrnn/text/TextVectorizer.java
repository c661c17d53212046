// TextVectorizer: Keras TextVectorization(output_mode="int") with its default standardize and split.
// Matches the anchor's bench.py tokenize()/build_vocab() exactly; see package-info for the contract.
// Not a general tokenizer: no n-grams, no TF-IDF, no Unicode case folding (tf.strings.lower with
// encoding="" touches ASCII A-Z only), and whitespace means ASCII [ \t\n\r\f\v] only.
package org.jrnn.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.files.AtomicFiles;

/**
 * A fixed vocabulary plus the text-to-ids mapping. Index {@value #PAD_INDEX} is the padding token {@code ""},
 * index {@value #OOV_INDEX} is {@value #OOV_TOKEN}; every unknown token maps to {@value #OOV_INDEX}.
 *
 * <p>Build one with {@link #adapt}, {@link #fromVocabulary} or {@link #readVocabulary}; then it is immutable
 * and safe to share between threads.
 */
public final class TextVectorizer {

    public static final int PAD_INDEX = 0;
    public static final int OOV_INDEX = 1;
    public static final String PAD_TOKEN = "";
    public static final String OOV_TOKEN = "[UNK]";
    /** Keras' documented {@code max_tokens} in the lesson; padding and OOV count towards it. */
    public static final int DEFAULT_MAX_TOKENS = 20000;

    /** How {@link #adapt} orders tokens of equal count. */
    public enum TieOrder {
        /** By first occurrence in the adapted token stream: the anchor's default. */
        FIRST_APPEARANCE,
        /** Keras 2.6+ IndexLookup: {@code np.lexsort((tokens, counts))[::-1]}, i.e. descending UTF-8 bytes. */
        KERAS
    }

    private final List<String> vocabulary;
    private final Map<String, Integer> index;

    private TextVectorizer(List<String> vocabulary) {
        this.vocabulary = List.copyOf(vocabulary);
        this.index = new HashMap<>(vocabulary.size() * 2);
        for (int i = 0; i < vocabulary.size(); i++) {
            index.put(vocabulary.get(i), i);
        }
    }

    // ---------------------------------------------------------------- standardize and split

    /**
     * Keras {@code lower_and_strip_punctuation}: ASCII A-Z to lower case, then delete (not replace with a space)
     * every character of {@code DEFAULT_STRIP_REGEX}, which is exactly the 32 ASCII punctuation characters.
     * All other characters, including non-ASCII letters and their case, are kept.
     */
    public static String standardize(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                sb.append((char) (c + ('a' - 'A')));
            } else if (!isPunctuation(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * {@link #standardize} then split on runs of ASCII whitespace {@code [ \t\n\r\f\v]}, dropping empty pieces.
     * One pass and no regex: it runs over every token of the data set.
     */
    public static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isWhitespace(c)) {
                if (sb.length() > 0) {
                    tokens.add(sb.toString());
                    sb.setLength(0);
                }
            } else if (c >= 'A' && c <= 'Z') {
                sb.append((char) (c + ('a' - 'A')));
            } else if (!isPunctuation(c)) {
                sb.append(c);
            }
        }
        if (sb.length() > 0) {
            tokens.add(sb.toString());
        }
        return tokens;
    }

    /** Python's {@code string.punctuation}, the set Keras' DEFAULT_STRIP_REGEX matches. */
    static boolean isPunctuation(char c) {
        return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
    }

    /** tf.strings.split(sep=None): ASCII space, \t, \n, \u000B (\v), \f, \r. */
    static boolean isWhitespace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /**
     * Raw text → tokens for a model whose vocabulary holds tokens as written (a tagger, see
     * {@link #adaptTokens}): split on runs of ASCII whitespace, then each piece's leading and trailing
     * ASCII punctuation characters become tokens of their own, one character each, as token-per-line
     * corpora write them ({@code "(Paris)."} → {@code ( Paris ) .}). Inner punctuation stays
     * ({@code "Jean-Pierre"}, {@code "3.5"}), and a piece of punctuation only stays whole ({@code "..."}).
     * Case is kept.
     */
    public static List<String> splitWords(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && isWhitespace(text.charAt(i))) i++;
            int start = i;
            while (i < n && !isWhitespace(text.charAt(i))) i++;
            if (start == i) break;
            int a = start;
            int b = i;
            while (a < b && isPunctuation(text.charAt(a))) a++;
            if (a == b) {
                out.add(text.substring(start, i)); // punctuation only: one token
                continue;
            }
            while (isPunctuation(text.charAt(b - 1))) b--;
            for (int c = start; c < a; c++) out.add(String.valueOf(text.charAt(c)));
            out.add(text.substring(a, b));
            for (int c = b; c < i; c++) out.add(String.valueOf(text.charAt(c)));
        }
        return out;
    }

    // ---------------------------------------------------------------- building

    /**
     * Builds the vocabulary from {@code texts}, in iteration order: {@code ""}, {@value #OOV_TOKEN}, then tokens
     * by descending count with ties ordered by {@code ties}, cut to {@code maxTokens} entries in all.
     *
     * @throws InvalidOptionException if {@code maxTokens < 2}
     */
    public static TextVectorizer adapt(Iterable<String> texts, int maxTokens, TieOrder ties) {
        if (maxTokens < 2) {
            throw InvalidOptionException.of("maxTokens", "must be >= 2, received: " + maxTokens);
        }
        if (texts == null || ties == null) {
            throw new IllegalArgumentException("texts and ties must not be null");
        }
        // Insertion-ordered: a token's rank in this map is its first appearance.
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (String text : texts) {
            for (String token : tokenize(text)) {
                counts.computeIfAbsent(token, t -> new int[1])[0]++;
            }
        }
        return fromCounts(counts, maxTokens, ties);
    }

    /**
     * The vocabulary of already split tokens, as {@link #adapt} orders and cuts it, but with no
     * standardization: tokens are kept exactly (case and punctuation matter), for token-per-line data
     * such as a tagger's, where "Paris" and "paris" or "." are different evidence. Tokens equal to
     * {@code ""} or {@value #OOV_TOKEN} are not added (they read as padding and OOV).
     *
     * @throws InvalidOptionException if {@code maxTokens < 2}
     */
    public static TextVectorizer adaptTokens(Iterable<? extends List<String>> sequences, int maxTokens, TieOrder ties) {
        if (maxTokens < 2) {
            throw InvalidOptionException.of("maxTokens", "must be >= 2, received: " + maxTokens);
        }
        if (sequences == null || ties == null) {
            throw new IllegalArgumentException("sequences and ties must not be null");
        }
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (List<String> seq : sequences) {
            for (String token : seq) {
                if (token.isEmpty() || token.equals(OOV_TOKEN)) continue;
                counts.computeIfAbsent(token, t -> new int[1])[0]++;
            }
        }
        return fromCounts(counts, maxTokens, ties);
    }

    private static TextVectorizer fromCounts(Map<String, int[]> counts, int maxTokens, TieOrder ties) {
        List<String> tokens = new ArrayList<>(counts.keySet());
        Comparator<String> byCountDesc = Comparator.comparingInt(t -> -counts.get(t)[0]);
        if (ties == TieOrder.KERAS) {
            // Descending unsigned UTF-8 bytes, which equals descending code points (not UTF-16 units).
            tokens.sort(byCountDesc.thenComparing(CODE_POINT_ORDER.reversed()));
        } else {
            tokens.sort(byCountDesc); // List.sort is stable, so ties stay in first-appearance order
        }
        List<String> vocab = new ArrayList<>(Math.min(maxTokens, tokens.size() + 2));
        vocab.add(PAD_TOKEN);
        vocab.add(OOV_TOKEN);
        vocab.addAll(tokens.subList(0, Math.min(tokens.size(), maxTokens - 2)));
        return new TextVectorizer(vocab);
    }

    private static final Comparator<String> CODE_POINT_ORDER = TextVectorizer::compareCodePoints;

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /**
     * Wraps an existing vocabulary (for example one written by {@link #writeVocabulary} or exported from
     * Keras {@code get_vocabulary()}).
     *
     * @throws IllegalArgumentException unless entry 0 is {@code ""}, entry 1 is {@value #OOV_TOKEN}, and the
     *     other entries are distinct, non-empty and free of line breaks
     */
    public static TextVectorizer fromVocabulary(List<String> vocab) {
        if (vocab == null || vocab.size() < 2) {
            throw new IllegalArgumentException("vocabulary must start with \"\" and \"" + OOV_TOKEN
                    + "\", received " + (vocab == null ? "null" : vocab.size() + " entries"));
        }
        if (!PAD_TOKEN.equals(vocab.get(PAD_INDEX))) {
            throw new IllegalArgumentException("vocabulary entry 0 must be \"\" (padding), received: \""
                    + vocab.get(PAD_INDEX) + "\"");
        }
        if (!OOV_TOKEN.equals(vocab.get(OOV_INDEX))) {
            throw new IllegalArgumentException("vocabulary entry 1 must be \"" + OOV_TOKEN + "\", received: \""
                    + vocab.get(OOV_INDEX) + "\"");
        }
        Map<String, Integer> seen = new HashMap<>(vocab.size() * 2);
        for (int i = 0; i < vocab.size(); i++) {
            String token = vocab.get(i);
            if (token == null || (i > 0 && token.isEmpty()) || token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("vocabulary entry " + i
                        + " must be a non-empty token without line breaks, received: "
                        + (token == null ? "null" : "\"" + token.replace("\n", "\\n").replace("\r", "\\r") + "\""));
            }
            Integer previous = seen.put(token, i);
            if (previous != null) {
                throw new IllegalArgumentException("vocabulary entry " + i + " \"" + token
                        + "\" repeats entry " + previous);
            }
        }
        return new TextVectorizer(vocab);
    }

    // ---------------------------------------------------------------- use

    /** The vocabulary, index order, unmodifiable. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    /** Number of entries including padding and OOV: the embedding's input dimension V. */
    public int size() {
        return vocabulary.size();
    }

    /** The id of {@code token} (already standardized), or {@value #OOV_INDEX} if it is not in the vocabulary. */
    public int indexOf(String token) {
        Integer i = index.get(token);
        return i == null ? OOV_INDEX : i;
    }

    /** Ids of the tokens of {@code text}: no padding, no truncation; empty if the text has no tokens. */
    public int[] encode(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size()];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = indexOf(tokens.get(t));
        }
        return ids;
    }

    /** Ids of tokens as they are (no standardize, no split): a tagger's lookup, see {@link #adaptTokens}. */
    public int[] encodeTokens(List<String> tokens) {
        int[] ids = new int[tokens.size()];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = indexOf(tokens.get(t));
        }
        return ids;
    }

    /**
     * Keras {@code output_sequence_length}: the ids of {@link #encode(String)}, truncated to
     * {@code outputSequenceLength} or padded at the end with {@value #PAD_INDEX}.
     */
    public int[] encode(String text, int outputSequenceLength) {
        if (outputSequenceLength < 1) {
            throw new IllegalArgumentException("outputSequenceLength must be >= 1, received: " + outputSequenceLength);
        }
        return Arrays.copyOf(encode(text), outputSequenceLength); // copyOf pads with 0 == PAD_INDEX
    }

    // ---------------------------------------------------------------- files

    /**
     * The vocabulary file, the one format {@code jrnn vocab --out} writes and a model's {@code vocab.txt} holds:
     * one token per line in UTF-8, line 1 being index 0 (the empty padding token), with a trailing newline. The
     * same bytes as the anchor's {@code --dump-vocab} and Keras {@code get_vocabulary()} written one per line.
     */
    public byte[] vocabularyFileBytes() {
        return (String.join("\n", vocabulary) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses the content of a vocabulary file (see {@link #vocabularyFileBytes}); a missing final newline is
     * accepted.
     *
     * @throws IllegalArgumentException if the content is not a valid vocabulary; the message names the entry
     */
    public static TextVectorizer parseVocabularyFile(String content) {
        if (content.endsWith("\n")) {
            content = content.substring(0, content.length() - 1);
        }
        return fromVocabulary(Arrays.asList(content.split("\n", -1)));
    }

    /**
     * Writes {@link #vocabularyFileBytes} atomically ({@link AtomicFiles}): a reader never sees a half-written
     * vocabulary, and a failed write leaves the previous file.
     */
    public void writeVocabulary(Path file) throws IOException {
        AtomicFiles.write(file, vocabularyFileBytes());
    }

    /**
     * Reads a file written by {@link #writeVocabulary}.
     *
     * @throws IllegalArgumentException if the content is not valid UTF-8 or not a valid vocabulary; the message
     *     names the file
     */
    public static TextVectorizer readVocabulary(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not valid UTF-8", e);
        }
        try {
            return parseVocabularyFile(content);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TextVectorizer(size=" + size() + ")";
    }
}
