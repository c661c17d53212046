package org.jrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.DataFiles;
import org.jrnn.data.Example;
import org.jrnn.data.TextField;
import org.jrnn.text.TextVectorizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistributedVocabularyTest {
    @TempDir
    Path tmp;

    /** What `jrnn vocab --train FILE --vocab-size N --adapt-rows R` computes (VocabCommand), on the same file. */
    static TextVectorizer jrnnVocab(Path file, int maxTokens, int adaptRows, TextVectorizer.TieOrder ties) throws Exception {
        List<Example> rows = DataFiles.read(file, ColumnSpec.DEFAULT).examples();
        int n = adaptRows == 0 ? rows.size() : Math.min(adaptRows, rows.size());
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) texts.add(rows.get(i).text(TextField.TITLE_AND_DESCRIPTION));
        return TextVectorizer.adapt(texts, maxTokens, ties);
    }

    /** The file read by Spark in small splits (several partitions), title + description joined as jrnn does. */
    static JavaRDD<String> sparkTexts(SparkSession spark, Path file, int expectPartitionsAtLeast) {
        String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
        spark.conf().set("spark.sql.files.maxPartitionBytes", String.valueOf(Math.max(16, size(file) / 5)));
        try {
            Dataset<Row> df = spark.read().option("header", "false").option("escape", "\"").csv(file.toString());
            assertThat(df.rdd().getNumPartitions()).isGreaterThanOrEqualTo(expectPartitionsAtLeast);
            return df.javaRDD().map(r -> TextColumns.join(r, new int[] {1, 2}));
        } finally {
            spark.conf().set("spark.sql.files.maxPartitionBytes", before);
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void tiesAcrossPartitionsKeepFirstAppearanceInFileOrder() throws Exception {
        // Every token appears twice, so the order is decided by ties alone; "zeta" first appears in the
        // first row but its second count comes from the last partition.
        Path f = tmp.resolve("ties.csv");
        Files.writeString(f, """
                "1","zeta beta","alpha"
                "2","gamma","delta beta"
                "3","alpha delta","epsilon"
                "4","gamma","epsilon"
                "1","omega","omega zeta"
                """);
        SparkSession spark = LocalSpark.get();
        TextVectorizer expected = jrnnVocab(f, 100, 0, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        assertThat(expected.vocabulary()).containsExactly("", "[UNK]", "zeta", "beta", "alpha", "gamma", "delta", "epsilon", "omega");
        TextVectorizer got = DistributedVocabulary.adapt(sparkTexts(spark, f, 3), 100, 0, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        assertThat(got.vocabulary()).isEqualTo(expected.vocabulary());
        // Keras ties: descending code points.
        assertThat(DistributedVocabulary.adapt(sparkTexts(spark, f, 3), 5, 0, TextVectorizer.TieOrder.KERAS).vocabulary())
                .isEqualTo(jrnnVocab(f, 5, 0, TextVectorizer.TieOrder.KERAS).vocabulary())
                .containsExactly("", "[UNK]", "zeta", "omega", "gamma");
    }

    @Test
    void equalsJrnnVocabOnAgNewsRowsCutInsideATieGroup() throws Exception {
        // 3,000 rows of the embedded AG News sample, in a file Spark splits into several partitions.
        Path f = tmp.resolve("ag.csv");
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                getClass().getResourceAsStream("/org/jrnn/data/ag_news_sample/train.csv.gz")), StandardCharsets.UTF_8))) {
            for (String line; lines.size() < 3000 && (line = r.readLine()) != null; ) lines.add(line);
        }
        Files.write(f, lines);
        SparkSession spark = LocalSpark.get();
        int maxTokens = 3000;
        int adaptRows = 2500;
        TextVectorizer expected = jrnnVocab(f, maxTokens, adaptRows, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        // The cut falls inside a group of equal counts, so the tie rule decides which tokens make it.
        TextVectorizer all = jrnnVocab(f, 1_000_000, adaptRows, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        assertThat(all.size()).isGreaterThan(maxTokens);
        TextVectorizer got = DistributedVocabulary.adapt(sparkTexts(spark, f, 3), maxTokens, adaptRows, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        assertThat(got.vocabularyFileBytes()).isEqualTo(expected.vocabularyFileBytes());
        TextVectorizer gotAll = DistributedVocabulary.adapt(sparkTexts(spark, f, 3), 1_000_000, adaptRows, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        assertThat(gotAll.vocabulary()).isEqualTo(all.vocabulary());
    }
}
