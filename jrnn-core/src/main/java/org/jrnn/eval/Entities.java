// Entity-level scoring of BIO tag sequences, by the rules of CoNLL's conlleval script (the figures NER
// papers report): chunks are read from the gold and the predicted tags alike, and a predicted entity
// counts only if a gold entity has the same type, first and last token. Not seqeval's strict mode: an
// I-X that does not continue an X entity starts one (conlleval's IOB1-tolerant reading), as conlleval does.
package org.jrnn.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * BIO (IOB2, and IOB1 as read by conlleval) entities and their precision, recall and F1.
 *
 * <p>A tag set is BIO when every tag is {@code O} or {@code B-TYPE} / {@code I-TYPE} with a non-empty
 * type. Reading a sentence left to right, an entity starts at {@code B-X}, and at {@code I-X} when the
 * previous tag is {@code O}, the sentence start or of another type; it continues over {@code I-X}; it
 * ends before {@code O}, {@code B-*}, a tag of another type, or the sentence end (conlleval's
 * {@code startOfChunk}/{@code endOfChunk} for B, I and O).
 */
public final class Entities {
    private Entities() {}

    /** One entity: tokens {@code [start, end]} (inclusive) of one sentence, and its type. */
    public record Span(int start, int end, String type) {}

    /** Whether every tag is {@code O}, {@code B-X} or {@code I-X} (X non-empty), and at least one is not O. */
    public static boolean isBio(List<String> tags) {
        boolean entity = false;
        for (String t : tags) {
            if (t.equals("O")) continue;
            if (!(t.startsWith("B-") || t.startsWith("I-")) || t.length() == 2) return false;
            entity = true;
        }
        return entity;
    }

    /** The entities of one sentence's tags (each {@code O}, {@code B-X} or {@code I-X}), in order. */
    public static List<Span> spans(List<String> tags) {
        List<Span> out = new ArrayList<>();
        int start = -1;
        String type = null;
        for (int i = 0; i < tags.size(); i++) {
            String t = tags.get(i);
            char prefix = t.equals("O") ? 'O' : t.charAt(0);
            String tType = prefix == 'O' ? null : t.substring(2);
            boolean continues = prefix == 'I' && type != null && type.equals(tType);
            if (type != null && !continues) {
                out.add(new Span(start, i - 1, type));
                type = null;
            }
            if (prefix != 'O' && !continues) {
                start = i;
                type = tType;
            }
        }
        if (type != null) out.add(new Span(start, tags.size() - 1, type));
        return out;
    }

    /**
     * Entity counts: {@code correct} predicted entities matching a gold one exactly, {@code predicted}
     * and {@code gold} entities, per type and over all types.
     */
    public record Scores(Map<String, long[]> perType, long correct, long predicted, long gold) {
        /** Overall precision, recall and F1 over all entities: conlleval's figures (0 when undefined). */
        public double precision() {
            return ratio(correct, predicted);
        }

        public double recall() {
            return ratio(correct, gold);
        }

        public double f1() {
            return f1(precision(), recall());
        }

        /** The types seen in gold or predicted entities, sorted. */
        public List<String> types() {
            return List.copyOf(perType.keySet());
        }

        /** {correct, predicted, gold} of one type. */
        public long[] counts(String type) {
            return perType.get(type);
        }

        public double precision(String type) {
            return ratio(perType.get(type)[0], perType.get(type)[1]);
        }

        public double recall(String type) {
            return ratio(perType.get(type)[0], perType.get(type)[2]);
        }

        public double f1(String type) {
            return f1(precision(type), recall(type));
        }

        /** Unweighted mean over {@link #types()} (seqeval's macro avg); NaN when there are none. */
        public double macroPrecision() {
            return perType.isEmpty() ? Double.NaN : perType.keySet().stream().mapToDouble(this::precision).average().orElseThrow();
        }

        public double macroRecall() {
            return perType.isEmpty() ? Double.NaN : perType.keySet().stream().mapToDouble(this::recall).average().orElseThrow();
        }

        public double macroF1() {
            return perType.isEmpty() ? Double.NaN : perType.keySet().stream().mapToDouble(this::f1).average().orElseThrow();
        }

        /** Per-type and overall figures as a text table. */
        public String toTable() {
            int w = Math.max(10, perType.keySet().stream().mapToInt(String::length).max().orElse(0) + 2);
            String row = "%-" + w + "s %9s %9s %9s %9s %9s %9s%n";
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, row, "entity", "precision", "recall", "f1", "gold", "predicted", "correct"));
            for (String t : perType.keySet()) {
                long[] c = perType.get(t);
                sb.append(String.format(Locale.ROOT, row, t, f4(precision(t)), f4(recall(t)), f4(f1(t)), c[2], c[1], c[0]));
            }
            sb.append(String.format(Locale.ROOT, row, "micro avg", f4(precision()), f4(recall()), f4(f1()), gold, predicted, correct));
            sb.append(String.format(Locale.ROOT, row, "macro avg", f4(macroPrecision()), f4(macroRecall()), f4(macroF1()), gold, predicted, correct));
            return sb.toString();
        }

        /** JSON-ready: scheme, micro and macro figures, then per type. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scheme", "BIO (conlleval rules)");
            m.put("gold", gold);
            m.put("predicted", predicted);
            m.put("correct", correct);
            m.put("micro", prf(precision(), recall(), f1()));
            m.put("macro", prf(macroPrecision(), macroRecall(), macroF1()));
            List<Map<String, Object>> types = new ArrayList<>();
            for (String t : perType.keySet()) {
                Map<String, Object> r = new LinkedHashMap<>();
                long[] c = perType.get(t);
                r.put("type", t);
                r.put("precision", precision(t));
                r.put("recall", recall(t));
                r.put("f1", f1(t));
                r.put("gold", c[2]);
                r.put("predicted", c[1]);
                r.put("correct", c[0]);
                types.add(r);
            }
            m.put("types", types);
            return m;
        }

        /** JSON has no NaN: an undefined figure (no entity anywhere) is null. */
        private static Map<String, Object> prf(double p, double r, double f) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("precision", Double.isNaN(p) ? null : p);
            m.put("recall", Double.isNaN(r) ? null : r);
            m.put("f1", Double.isNaN(f) ? null : f);
            return m;
        }

        private static double ratio(long a, long b) {
            return b == 0 ? 0 : (double) a / b;
        }

        private static double f1(double p, double r) {
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }

        private static String f4(double v) {
            return String.format(Locale.ROOT, "%.4f", v);
        }
    }

    /**
     * Scores predicted against gold tags, sentence by sentence (entities never cross a sentence).
     *
     * @throws IllegalArgumentException if the sentence counts or lengths differ
     */
    public static Scores score(List<List<String>> gold, List<List<String>> predicted) {
        if (gold.size() != predicted.size()) throw new IllegalArgumentException(gold.size() + " gold sentences, " + predicted.size() + " predicted");
        Map<String, long[]> perType = new LinkedHashMap<>();
        Set<String> types = new TreeSet<>();
        long correct = 0;
        long nPred = 0;
        long nGold = 0;
        Map<String, long[]> counts = new java.util.HashMap<>();
        for (int s = 0; s < gold.size(); s++) {
            if (gold.get(s).size() != predicted.get(s).size()) {
                throw new IllegalArgumentException("sentence " + (s + 1) + ": " + gold.get(s).size() + " gold tags, " + predicted.get(s).size() + " predicted");
            }
            List<Span> g = spans(gold.get(s));
            Set<Span> gSet = new HashSet<>(g);
            for (Span sp : g) {
                types.add(sp.type());
                counts.computeIfAbsent(sp.type(), k -> new long[3])[2]++;
            }
            for (Span sp : spans(predicted.get(s))) {
                types.add(sp.type());
                long[] c = counts.computeIfAbsent(sp.type(), k -> new long[3]);
                c[1]++;
                if (gSet.contains(sp)) {
                    c[0]++;
                    correct++;
                }
                nPred++;
            }
            nGold += g.size();
        }
        for (String t : types) perType.put(t, counts.get(t));
        return new Scores(java.util.Collections.unmodifiableMap(perType), correct, nPred, nGold);
    }
}
