// The tokens of a language model: characters (the follow-up lesson's char-level model) or the words of
// TextVectorizer, each with padding, [UNK] and begin/end-of-text markers, so a model learns where a text
// starts and stops and generation runs from [BOS] until it emits [EOS]. Not a vectorizer for classifiers:
// those keep TextVectorizer (no markers, punctuation stripped for words).
package org.jrnn.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jrnn.errors.InvalidOptionException;

/**
 * A language model's vocabulary: 0 = padding {@code ""}, 1 = {@value #UNK_TOKEN}, 2 = {@value #BOS_TOKEN},
 * 3 = {@value #EOS_TOKEN}, then the tokens of the adapted texts by descending count, ties in order of
 * first appearance (as {@link TextVectorizer.TieOrder#FIRST_APPEARANCE}). Immutable, thread-safe.
 *
 * <p>{@link Tokens#CHAR}: one token per Unicode code point, case and punctuation kept; line breaks and
 * tabs read as a space (one token per line in the vocabulary file). {@link Tokens#WORD}:
 * {@link TextVectorizer#tokenize} (ASCII lower case, punctuation stripped, split on whitespace), and
 * generated words are joined with spaces.
 */
public final class LmVocabulary {
    public static final int PAD = 0;
    public static final int UNK = 1;
    public static final int BOS = 2;
    public static final int EOS = 3;
    public static final String UNK_TOKEN = TextVectorizer.OOV_TOKEN;
    public static final String BOS_TOKEN = "[BOS]";
    public static final String EOS_TOKEN = "[EOS]";
    private static final List<String> SPECIALS = List.of("", UNK_TOKEN, BOS_TOKEN, EOS_TOKEN);

    /** How text is cut into tokens; {@link #id()} is the spelling in files and options. */
    public enum Tokens {
        CHAR, WORD;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws InvalidOptionException naming the setting {@code tokens} for anything but "char" or "word" */
        public static Tokens parse(String s) {
            for (Tokens t : values()) if (t.id().equals(s)) return t;
            throw InvalidOptionException.of("tokens", "must be 'char' or 'word', received: '" + s + "'");
        }
    }

    private final Tokens kind;
    private final List<String> tokens;
    private final Map<String, Integer> index;

    private LmVocabulary(Tokens kind, List<String> tokens) {
        this.kind = kind;
        this.tokens = List.copyOf(tokens);
        this.index = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) index.put(tokens.get(i), i);
    }

    /**
     * The vocabulary of {@code texts}: the markers, then at most {@code maxTokens} − 4 tokens, most
     * frequent first ({@code maxTokens} 0 = no limit).
     */
    public static LmVocabulary adapt(Iterable<String> texts, Tokens kind, int maxTokens) {
        if (maxTokens != 0 && maxTokens < SPECIALS.size() + 1) {
            throw InvalidOptionException.of("vocabSize", "must be >= " + (SPECIALS.size() + 1)
                    + " (padding, [UNK], [BOS], [EOS] and one token) or 0 (no limit), received: " + maxTokens);
        }
        Map<String, int[]> counts = new LinkedHashMap<>(); // insertion order: a token's first appearance
        for (String text : texts) {
            for (String t : pieces(kind, text)) counts.computeIfAbsent(t, x -> new int[1])[0]++;
        }
        List<String> sorted = new ArrayList<>(counts.keySet());
        sorted.removeAll(SPECIALS); // a word "[unk]" cannot occur (brackets are stripped), a char is one code point
        sorted.sort(Comparator.comparingInt(t -> -counts.get(t)[0])); // stable: ties keep first appearance
        List<String> vocab = new ArrayList<>(SPECIALS);
        int room = maxTokens == 0 ? sorted.size() : Math.min(sorted.size(), maxTokens - SPECIALS.size());
        vocab.addAll(sorted.subList(0, room));
        return new LmVocabulary(kind, vocab);
    }

    /** The tokens of {@code text} as strings, before lookup. */
    static List<String> pieces(Tokens kind, String text) {
        if (kind == Tokens.WORD) return TextVectorizer.tokenize(text);
        List<String> out = new ArrayList<>(text.length());
        text.codePoints().forEach(c -> out.add(c == '\n' || c == '\r' || c == '\t' ? " " : new String(Character.toChars(c))));
        return out;
    }

    public Tokens kind() {
        return kind;
    }

    /** V: the embedding's rows and the per-step head's outputs. */
    public int size() {
        return tokens.size();
    }

    /** Index order, unmodifiable. */
    public List<String> tokens() {
        return tokens;
    }

    /** Ids of {@code text}'s tokens, no markers; a token outside the vocabulary is {@value #UNK}. */
    public int[] encode(String text) {
        List<String> p = pieces(kind, text);
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = index.getOrDefault(p.get(i), UNK);
        return ids;
    }

    /** The tokens of {@code text} outside the vocabulary, distinct, in order of appearance. */
    public List<String> unknown(String text) {
        List<String> out = new ArrayList<>();
        for (String p : pieces(kind, text)) if (!index.containsKey(p) && !out.contains(p)) out.add(p);
        return out;
    }

    /**
     * What a language model trains on for one text: inputs {@code [BOS] t1 … tn} and next-token targets
     * {@code t1 … tn [EOS]}, both n + 1 long.
     */
    public int[][] trainingPair(String text) {
        int[] ids = encode(text);
        int[] in = new int[ids.length + 1];
        int[] next = new int[ids.length + 1];
        in[0] = BOS;
        System.arraycopy(ids, 0, in, 1, ids.length);
        System.arraycopy(ids, 0, next, 0, ids.length);
        next[ids.length] = EOS;
        return new int[][] {in, next};
    }

    /** The token's text ("" for the markers and padding, "\uFFFD" for [UNK] so a reader sees it). */
    public String token(int id) {
        if (id < 0 || id >= tokens.size()) throw new IllegalArgumentException("token id " + id + " outside [0, " + tokens.size() + ")");
        if (id == UNK) return "\uFFFD";
        return id < SPECIALS.size() ? "" : tokens.get(id);
    }

    /** The text of generated ids: characters concatenated, words joined by spaces; markers dropped. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id == PAD || id == BOS || id == EOS) continue;
            if (kind == Tokens.WORD && sb.length() > 0) sb.append(' ');
            sb.append(token(id));
        }
        return sb.toString();
    }

    /** One token per line, UTF-8, line 1 = index 0 (the empty padding token), trailing newline. */
    public byte[] vocabularyFileBytes() {
        return (String.join("\n", tokens) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses {@link #vocabularyFileBytes}' content.
     *
     * @throws IllegalArgumentException unless it starts with the four markers and its other entries are
     *     distinct, non-empty, without line breaks, and single code points for {@link Tokens#CHAR}
     */
    public static LmVocabulary parse(Tokens kind, String content) {
        if (content.endsWith("\n")) content = content.substring(0, content.length() - 1);
        List<String> v = Arrays.asList(content.split("\n", -1));
        for (int i = 0; i < SPECIALS.size(); i++) {
            if (i >= v.size() || !SPECIALS.get(i).equals(v.get(i))) {
                throw new IllegalArgumentException("entry " + i + " must be \"" + SPECIALS.get(i) + "\" (the vocabulary starts with "
                        + "padding, [UNK], [BOS], [EOS])");
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < v.size(); i++) {
            String t = v.get(i);
            if (i >= SPECIALS.size() && (t.isEmpty() || t.indexOf('\r') >= 0 || (kind == Tokens.CHAR && t.codePointCount(0, t.length()) != 1))) {
                throw new IllegalArgumentException("entry " + i + " must be a " + (kind == Tokens.CHAR ? "single character" : "non-empty word"));
            }
            Integer prev = seen.put(t, i);
            if (prev != null) throw new IllegalArgumentException("entry " + i + " repeats entry " + prev);
        }
        return new LmVocabulary(kind, v);
    }

    @Override
    public String toString() {
        return "LmVocabulary(" + kind.id() + ", " + tokens.size() + " tokens)";
    }
}
