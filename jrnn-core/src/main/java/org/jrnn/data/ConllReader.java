// Reader for token-per-line files in CoNLL style: "token<TAB>tag" per line, a blank line between sentences.
// Also "token tag" separated by spaces, and multi-column CoNLL ("EU NNP B-NP B-ORG"): first field the token,
// last field the tag. Strict like TabularReader: every problem stops the read with "<file>:<line>: <problem>",
// since a silently dropped line shifts every tag after it. Not a general CoNLL-U reader: no comments, no
// multi-word token ranges, no column selection.
package org.jrnn.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads tagged sentences.
 *
 * <p><b>Lines.</b> A line holding a tab is split on tabs, any other on runs of spaces; the first field
 * is the token, the last the tag (so 2-column and 4-column CoNLL files read alike; a token cannot
 * contain the separator). A line that is empty or only spaces and tabs ends a sentence; so does a
 * {@code -DOCSTART-} line (CoNLL-2003's document marker), which is skipped. A trailing CR is dropped
 * (Windows files). Tokens and tags are kept exactly as written: case matters (see {@code TextVectorizer#adaptTokens}).
 *
 * <p><b>Limits</b>, so a file without blank lines or a binary file fails fast instead of filling memory:
 * a line of at most {@value #MAX_LINE_BYTES} bytes, a sentence of at most {@code maxSentenceTokens}
 * tokens. The sentences themselves are held in memory (a tagger trains on them all every epoch).
 */
public final class ConllReader {
    /** Longest line accepted: far beyond "token tag", small enough to hold in memory. */
    public static final int MAX_LINE_BYTES = 1 << 16;
    /** Default sentence limit: CoNLL-2003's longest is 124 tokens; a file without blank lines hits it early. */
    public static final int DEFAULT_MAX_SENTENCE_TOKENS = 1000;
    /** CoNLL-2003's document separator line. */
    public static final String DOCSTART = "-DOCSTART-";

    private ConllReader() {}

    /** {@link #read(Path, int)} with {@value #DEFAULT_MAX_SENTENCE_TOKENS} tokens per sentence at most. */
    public static List<TaggedSentence> read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_SENTENCE_TOKENS);
    }

    /**
     * Reads every sentence of {@code file} (UTF-8).
     *
     * @throws DataFormatException naming file and line: missing file, invalid UTF-8, a line without a tag,
     *     an empty token or tag, a line or sentence over the limits, no sentence at all
     */
    public static List<TaggedSentence> read(Path file, int maxSentenceTokens) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) throw new DataFormatException(name, "is a directory, expected a token-per-line file");
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(name, "file not found");
        } catch (AccessDeniedException e) {
            throw new DataFormatException(name, "permission denied");
        }
        try (in) {
            return read(in, name, maxSentenceTokens);
        }
    }

    /** Reads sentences from a stream; {@code name} is what messages call it. */
    public static List<TaggedSentence> read(InputStream in, String name, int maxSentenceTokens) throws IOException {
        if (maxSentenceTokens < 1) throw new IllegalArgumentException("maxSentenceTokens must be >= 1, received: " + maxSentenceTokens);
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // Lines are split on bytes and decoded one by one, so an encoding error names its exact line.
        InputStream r = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<TaggedSentence> out = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        long first = 0;
        long line = 0;
        while (true) {
            if (!readLine(r, buf, name, line + 1)) break;
            String s;
            try {
                s = decoder.decode(ByteBuffer.wrap(buf.toByteArray())).toString();
            } catch (CharacterCodingException e) {
                throw new DataFormatException(name, line + 1, "invalid UTF-8: expected text, one token and its tag per line");
            }
            line++;
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            if (s.indexOf('\0') >= 0) throw new DataFormatException(name, line, "NUL byte: expected text, one token and its tag per line");
            String[] fields = fields(s);
            if (fields.length == 0 || fields[0].equals(DOCSTART)) {
                if (!tokens.isEmpty()) out.add(new TaggedSentence(tokens, tags, first));
                tokens.clear();
                tags.clear();
                continue;
            }
            if (fields.length < 2) {
                throw new DataFormatException(name, line, "'" + clip(s) + "' has no tag: expected 'token<TAB>tag' (or 'token tag'), "
                        + "with a blank line between sentences");
            }
            String token = fields[0];
            String tag = fields[fields.length - 1];
            if (token.isEmpty()) throw new DataFormatException(name, line, "empty token before tag '" + clip(tag) + "'");
            if (tag.isEmpty()) throw new DataFormatException(name, line, "empty tag after token '" + clip(token) + "'");
            if (tokens.size() == maxSentenceTokens) {
                throw new DataFormatException(name, line, "sentence starting at line " + first + " is longer than " + maxSentenceTokens
                        + " tokens (a missing blank line between sentences?)");
            }
            if (tokens.isEmpty()) first = line;
            tokens.add(token);
            tags.add(tag);
        }
        if (!tokens.isEmpty()) out.add(new TaggedSentence(tokens, tags, first));
        if (out.isEmpty()) throw new DataFormatException(name, "no sentences: expected lines 'token<TAB>tag', a blank line between sentences");
        return out;
    }

    /** One line's bytes into {@code buf} without its \n or \r\n; false at the end of input. Refuses lines over the limit. */
    private static boolean readLine(InputStream r, ByteArrayOutputStream buf, String name, long line) throws IOException {
        buf.reset();
        int c = r.read();
        if (c < 0) return false;
        while (c >= 0 && c != '\n') {
            if (buf.size() == MAX_LINE_BYTES) {
                throw new DataFormatException(name, line, "line longer than " + MAX_LINE_BYTES + " bytes (binary input?)");
            }
            buf.write(c);
            c = r.read();
        }
        return true;
    }

    /** Tab-separated if the line has a tab (empty fields kept, to be reported), else space-separated; blank → none. */
    static String[] fields(String s) {
        if (s.isBlank()) return new String[0];
        if (s.indexOf('\t') >= 0) {
            String[] f = s.split("\t", -1);
            return f;
        }
        return s.strip().split(" +");
    }

    /** The distinct tags, sorted by {@link String#compareTo}: like class names, independent of sentence order. */
    public static List<String> tagSet(List<TaggedSentence> sentences) {
        Set<String> tags = new TreeSet<>();
        for (TaggedSentence s : sentences) tags.addAll(s.tags());
        return List.copyOf(tags);
    }

    /**
     * Tag ids (one row per sentence) in the order of {@code tagNames}.
     *
     * @param knownFrom where the tags come from, for messages: "the training data", "the model"
     * @throws DataFormatException naming the line of the first tag not in {@code tagNames}
     */
    public static int[][] tagIds(List<TaggedSentence> sentences, List<String> tagNames, String file, String knownFrom) {
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < tagNames.size(); i++) index.put(tagNames.get(i), i);
        int[][] out = new int[sentences.size()][];
        for (int s = 0; s < sentences.size(); s++) {
            TaggedSentence sentence = sentences.get(s);
            out[s] = new int[sentence.size()];
            for (int t = 0; t < sentence.size(); t++) {
                Integer id = index.get(sentence.tags().get(t));
                if (id == null) {
                    throw new DataFormatException(file, sentence.line() + t, "tag '" + clip(sentence.tags().get(t)) + "' is not one of the tags of "
                            + knownFrom + " (" + String.join(", ", tagNames) + ")");
                }
                out[s][t] = id;
            }
        }
        return out;
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
