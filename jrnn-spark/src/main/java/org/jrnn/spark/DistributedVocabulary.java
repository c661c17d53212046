// TextVectorizer.adapt on a cluster, with exactly its rule: tokens by descending count, ties by first
// appearance in the adapted token stream (row order, then position in the row) or Keras' order, cut to
// maxTokens entries with "" and [UNK] first. Row order is the RDD's (a file's line order when read from
// one file), fixed by zipWithIndex before anything is shuffled.
package org.jrnn.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.text.TextVectorizer;
import scala.Tuple2;

/**
 * Adapts a {@link TextVectorizer} on an RDD of texts: the same vocabulary as
 * {@code TextVectorizer.adapt(texts in RDD order, maxTokens, ties)}, which is what {@code jrnn vocab}
 * writes for the same rows. Each partition counts its own tokens and remembers where each first
 * appeared; a reduce by token sums counts and keeps the earliest position; the driver receives only the
 * {@code maxTokens - 2} winners ({@code takeOrdered}).
 */
public final class DistributedVocabulary {
    private DistributedVocabulary() {}

    /** A token's count and its first position in the token stream: (row, token index in the row). */
    record Stat(long count, long row, int position) implements Serializable {
        Stat merge(Stat o) {
            boolean mine = row < o.row || (row == o.row && position <= o.position);
            return new Stat(count + o.count, mine ? row : o.row, mine ? position : o.position);
        }
    }

    /**
     * @param texts the texts, in the order the single-machine rule would read them
     * @param adaptRows adapt on the first {@code adaptRows} texts only (0 = all), as {@code VocabConfig#adaptRows}
     */
    public static TextVectorizer adapt(JavaRDD<String> texts, int maxTokens, int adaptRows, TextVectorizer.TieOrder ties) {
        return adaptIndexed(texts.zipWithIndex(), maxTokens, adaptRows, ties);
    }

    /** {@link #adapt} on texts already paired with their row index (0, 1, 2... in row order). */
    static TextVectorizer adaptIndexed(JavaPairRDD<String, Long> indexed, int maxTokens, int adaptRows, TextVectorizer.TieOrder ties) {
        if (maxTokens < 2) throw InvalidOptionException.of("maxTokens", "must be >= 2, received: " + maxTokens);
        if (adaptRows < 0) throw InvalidOptionException.of("adaptRows", "must be >= 0 (0 = all rows), received: " + adaptRows);
        if (adaptRows > 0) indexed = indexed.filter(t -> t._2() < adaptRows);
        JavaPairRDD<String, Stat> stats = indexed.mapPartitionsToPair(DistributedVocabulary::countPartition).reduceByKey(Stat::merge);
        List<String> vocab = new ArrayList<>();
        vocab.add(TextVectorizer.PAD_TOKEN);
        vocab.add(TextVectorizer.OOV_TOKEN);
        if (maxTokens > 2) {
            Comparator<Tuple2<String, Stat>> order = ties == TextVectorizer.TieOrder.KERAS ? new KerasOrder() : new FirstAppearanceOrder();
            for (Tuple2<String, Stat> t : stats.takeOrdered(maxTokens - 2, order)) vocab.add(t._1());
        }
        return TextVectorizer.fromVocabulary(vocab);
    }

    private static Iterator<Tuple2<String, Stat>> countPartition(Iterator<Tuple2<String, Long>> rows) {
        Map<String, long[]> local = new HashMap<>(); // token -> {count, row, position}
        while (rows.hasNext()) {
            Tuple2<String, Long> r = rows.next();
            List<String> tokens = TextVectorizer.tokenize(r._1() == null ? "" : r._1());
            long row = r._2();
            for (int i = 0; i < tokens.size(); i++) {
                long[] s = local.get(tokens.get(i));
                if (s == null) local.put(tokens.get(i), new long[] {1, row, i}); // rows arrive in index order
                else s[0]++;
            }
        }
        List<Tuple2<String, Stat>> out = new ArrayList<>(local.size());
        for (Map.Entry<String, long[]> e : local.entrySet()) {
            long[] s = e.getValue();
            out.add(new Tuple2<>(e.getKey(), new Stat(s[0], s[1], (int) s[2])));
        }
        return out.iterator();
    }

    /** Count descending, then first appearance (TieOrder.FIRST_APPEARANCE: List.sort is stable over insertion order). */
    static final class FirstAppearanceOrder implements Comparator<Tuple2<String, Stat>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tuple2<String, Stat> a, Tuple2<String, Stat> b) {
            int c = Long.compare(b._2().count(), a._2().count());
            if (c != 0) return c;
            c = Long.compare(a._2().row(), b._2().row());
            return c != 0 ? c : Integer.compare(a._2().position(), b._2().position());
        }
    }

    /** Count descending, then code points descending (TieOrder.KERAS). */
    static final class KerasOrder implements Comparator<Tuple2<String, Stat>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tuple2<String, Stat> a, Tuple2<String, Stat> b) {
            int c = Long.compare(b._2().count(), a._2().count());
            return c != 0 ? c : compareCodePoints(b._1(), a._1());
        }

        private static int compareCodePoints(String a, String b) {
            int i = 0;
            int j = 0;
            while (i < a.length() && j < b.length()) {
                int ca = a.codePointAt(i);
                int cb = b.codePointAt(j);
                if (ca != cb) return Integer.compare(ca, cb);
                i += Character.charCount(ca);
                j += Character.charCount(cb);
            }
            return Boolean.compare(i < a.length(), j < b.length());
        }
    }
}
