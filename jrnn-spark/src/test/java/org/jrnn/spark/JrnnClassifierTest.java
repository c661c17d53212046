package org.jrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jrnn.data.AgNewsCsv;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.DataFiles;
import org.jrnn.data.Example;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.SavedModel;
import org.jrnn.model.EpochMetrics;
import org.jrnn.nn.Param;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.TrainJob;
import org.jrnn.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JrnnClassifierTest {
    @TempDir
    static Path tmp;
    static Path trainFile;
    static Path testFile;
    static SparkSession spark;

    @BeforeAll
    static void data() throws Exception {
        spark = LocalSpark.get();
        trainFile = head("train", 600);
        testFile = head("test", 150);
    }

    /** The first n rows of the embedded AG News sample's file, as a CSV jrnn train reads. */
    static Path head(String name, int n) throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                JrnnClassifierTest.class.getResourceAsStream("/org/jrnn/data/ag_news_sample/" + name + ".csv.gz")), StandardCharsets.UTF_8))) {
            for (String line; lines.size() < n && (line = r.readLine()) != null; ) lines.add(line);
        }
        Path f = tmp.resolve(name + ".csv");
        Files.write(f, lines);
        return f;
    }

    /** The same rows jrnn train reads (jrnn's CSV reader), training rows first, then the test rows flagged for validation. */
    static Dataset<Row> frame() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (Example e : DataFiles.read(trainFile, ColumnSpec.DEFAULT).examples()) rows.add(RowFactory.create(e.title(), e.description(), (double) e.label(), false));
        for (Example e : DataFiles.read(testFile, ColumnSpec.DEFAULT).examples()) rows.add(RowFactory.create(e.title(), e.description(), (double) e.label(), true));
        StructType schema = new StructType().add("title", DataTypes.StringType).add("description", DataTypes.StringType)
                .add("label", DataTypes.DoubleType).add("val", DataTypes.BooleanType);
        // No shuffle: a shuffle's read order is not fixed, so a recomputed partition (a lost executor) could come back reordered.
        return spark.createDataFrame(rows, schema);
    }

    static JrnnClassifier classifier(int partitions) {
        return new JrnnClassifier().setTextCols("title", "description").setLabelCol("label").setValidationIndicatorCol("val")
                .setClassNames(AgNewsCsv.CLASS_NAMES.toArray(String[]::new)).setPreset("rnn_masked").setVocabSize(2000)
                .setEpochs(2).setSeed(7).setNumPartitions(partitions).setSyncEvery(7).setSplitBatch(false);
    }

    @Test
    void splitBatchGivesEachPartitionItsShareOfTheBatch() throws Exception {
        // rnn_masked's batch 16 over 2 partitions: 8 rows per step; 300 rows per shard: 38 steps, rounds of 7: 6 per epoch.
        JrnnClassifier.Fitted f = classifier(2).setEpochs(1).setSplitBatch(true).fitWithRounds(frame());
        assertThat(f.rounds()).hasSize(6);
        assertThat(f.rounds().stream().mapToInt(JrnnClassifier.Round::steps).sum()).isEqualTo(38);
        assertThat(f.model().savedModel().training().data()).contains("2 partitions of batch 8")
                .contains("learning rate " + (float) (org.jrnn.train.OptimConfig.DEFAULT_LEARNING_RATE * Math.sqrt(2)));
        JrnnClassifier.Fitted plain = classifier(2).setEpochs(1).setSplitBatch(true).setScaleLearningRate(false).fitWithRounds(frame());
        assertThat(plain.model().savedModel().training().data()).doesNotContain("learning rate");
        assertThat(plain.model().savedModel().model().params().get(1).data)
                .isNotEqualTo(f.model().savedModel().model().params().get(1).data); // the scaled rate was used
        assertThat(f.model().savedModel().history().get(0).samples()).isEqualTo(600);
    }

    @Test
    void onePartitionEqualsSingleMachineTrainingBitForBit() throws Exception {
        TrainConfig cfg = TrainConfig.builder(Preset.get("rnn_masked")).files(trainFile, testFile).vocabSize(2000).epochs(2).seed(7)
                .threads(1).build();
        TrainJob.Prepared data = TrainJob.prepare(cfg);
        TrainJob.Result single = TrainJob.run(cfg, data, TrainJob.buildModel(cfg, data), TrainingListener.NONE);

        JrnnClassifier.Fitted fitted = classifier(1).fitWithRounds(frame());
        SavedModel spark = fitted.model().savedModel();
        assertThat(spark.vectorizer().vocabulary()).isEqualTo(single.vectorizer().vocabulary());
        // 38 batches per epoch in rounds of 7: six rounds, the last one short.
        assertThat(fitted.rounds()).hasSize(12);
        assertThat(fitted.rounds().get(5).steps()).isEqualTo(3);
        List<Param> a = single.model().params();
        List<Param> b = spark.model().params();
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).name()).isEqualTo(a.get(i).name());
            assertThat(b.get(i).data).as(a.get(i).name()).isEqualTo(a.get(i).data); // Arrays.equals: bit for bit
        }
        for (int e = 0; e < 2; e++) {
            EpochMetrics x = single.history().get(e);
            EpochMetrics y = spark.history().get(e);
            assertThat(List.of(y.loss(), y.accuracy(), y.valLoss(), y.valAccuracy(), (double) y.samples()))
                    .isEqualTo(List.of(x.loss(), x.accuracy(), x.valLoss(), x.valAccuracy(), (double) x.samples()));
        }
        assertThat(spark.classNames()).isEqualTo(AgNewsCsv.CLASS_NAMES);
    }

    @Test
    void twoPartitionsAreDeterministicAndACrashedDriverResumesFromItsCheckpoint() throws Exception {
        Dataset<Row> df = frame();
        JrnnClassifier.Fitted one = classifier(2).fitWithRounds(df);
        // 300 rows per shard: 19 batches, rounds of 7: three rounds per epoch.
        assertThat(one.rounds()).hasSize(6);
        // 2 shards' states up and 2 copies down; up also carries the ids (4 bytes each) of the embedding rows each shard used.
        long extra = one.rounds().get(0).bytesUp() - one.rounds().get(0).bytesDown();
        assertThat(extra).isPositive().isLessThanOrEqualTo(2 * 4 * 2000).isEqualTo(extra / 4 * 4);
        List<EpochMetrics> h = one.model().savedModel().history();
        assertThat(h).hasSize(2);
        assertThat(h.get(1).loss()).isLessThan(h.get(0).loss());

        // The same run, its driver "crashing" after round 2 of epoch 2 (checkpoint every 2 rounds), then started again.
        String dir = tmp.resolve("checkpoints").toString();
        JrnnClassifier crashing = classifier(2).setCheckpointDir(dir).setCheckpointEvery(2);
        crashing.afterRound = n -> {
            if (n == 5) throw new IllegalStateException("simulated driver crash");
        };
        assertThatThrownBy(() -> crashing.fitWithRounds(df)).hasMessage("simulated driver crash");
        JrnnClassifier.Fitted resumed = classifier(2).setCheckpointDir(dir).setCheckpointEvery(2).fitWithRounds(df);
        assertThat(resumed.rounds()).hasSize(1); // only epoch 2's last round was left
        List<Param> a = one.model().savedModel().model().params();
        List<Param> b = resumed.model().savedModel().model().params();
        for (int i = 0; i < a.size(); i++) assertThat(b.get(i).data).as(a.get(i).name()).isEqualTo(a.get(i).data);
        List<EpochMetrics> hr = resumed.model().savedModel().history();
        for (int e = 0; e < 2; e++) {
            assertThat(List.of(hr.get(e).loss(), hr.get(e).accuracy(), hr.get(e).valLoss(), hr.get(e).valAccuracy()))
                    .isEqualTo(List.of(h.get(e).loss(), h.get(e).accuracy(), h.get(e).valLoss(), h.get(e).valAccuracy()));
        }
        // A checkpoint of other settings is refused, not continued.
        assertThatThrownBy(() -> classifier(2).setCheckpointDir(dir).setSeed(8).fit(df))
                .isInstanceOf(org.jrnn.errors.UserInputException.class).hasMessageContaining("holds a checkpoint of a run with other settings");

        List<Row> scored = one.model().transform(df.limit(20)).collectAsList();
        assertThat(scored).hasSize(20);
        assertThat(scored.get(0).<String>getAs("predictedLabel")).isIn(AgNewsCsv.CLASS_NAMES);
    }

    @Test
    void withLazyEmbeddingAdamOnlyTouchedRowsTravelAndTheResultIsTheSame() throws Exception {
        Dataset<Row> df = frame();
        JrnnClassifier whole = classifier(2).setEpochs(1).setLazyEmbeddingAdam(true);
        whole.wholeEmbeddings = true;
        JrnnClassifier.Fitted a = whole.fitWithRounds(df);
        JrnnClassifier.Fitted b = classifier(2).setEpochs(1).setLazyEmbeddingAdam(true).fitWithRounds(df);
        List<Param> pa = a.model().savedModel().model().params();
        List<Param> pb = b.model().savedModel().model().params();
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).data).as(pa.get(i).name()).isEqualTo(pa.get(i).data);
        long upWhole = a.rounds().stream().mapToLong(JrnnClassifier.Round::bytesUp).sum();
        long upRows = b.rounds().stream().mapToLong(JrnnClassifier.Round::bytesUp).sum();
        assertThat(upRows).isLessThan(upWhole / 2);
    }

    @Test
    void fitsInsideAPipelineWithStringIndexerClassNames() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (Example e : DataFiles.read(trainFile, ColumnSpec.DEFAULT).examples().subList(0, 200)) {
            rows.add(RowFactory.create(e.title() + " " + e.description(), AgNewsCsv.CLASS_NAMES.get(e.label())));
        }
        Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType).add("topic", DataTypes.StringType))
                .coalesce(1).cache();
        org.apache.spark.ml.feature.StringIndexer indexer = new org.apache.spark.ml.feature.StringIndexer().setInputCol("topic")
                .setOutputCol("topicIndex").setStringOrderType("alphabetAsc");
        JrnnClassifier trainer = new JrnnClassifier().setInputCol("text").setLabelCol("topicIndex").setPreset("rnn_masked")
                .setVocabSize(500).setEpochs(1).setNumPartitions(2).setSyncEvery(16).setCombine("sum");
        org.apache.spark.ml.PipelineModel pm = new org.apache.spark.ml.Pipeline()
                .setStages(new org.apache.spark.ml.PipelineStage[] {indexer, trainer}).fit(df);
        JrnnClassificationModel m = (JrnnClassificationModel) pm.stages()[1];
        assertThat(m.classNames()).containsExactly("Business", "Sci/Tech", "Sports", "World"); // StringIndexer's labels
        assertThat(pm.transform(df).select("predictedLabel").collectAsList()).hasSize(200);
    }

    @Test
    void badSettingsNameTheParam() throws Exception {
        Dataset<Row> df = frame();
        assertThatThrownBy(() -> classifier(1).setSyncEvery(0).fit(df)).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("syncEvery");
        assertThatThrownBy(() -> classifier(1).setPreset("huge").fit(df)).hasMessageContaining("unknown preset 'huge'");
        assertThatThrownBy(() -> classifier(1).setLabelCol("y").fit(df)).hasMessage("no column 'y'; the data has: title, description, label, val");
        assertThatThrownBy(() -> classifier(1).setClassNames("a", "b").fit(df)).hasMessageContaining("labels must be class indices in [0, 2)");
        // Found inside a task: still jrnn's one line, not Spark's task failure.
        Dataset<Row> fractional = df.withColumn("label", org.apache.spark.sql.functions.when(
                org.apache.spark.sql.functions.col("title").equalTo(df.first().getString(0)), 1.5).otherwise(org.apache.spark.sql.functions.col("label")));
        assertThatThrownBy(() -> classifier(1).fit(fractional)).isInstanceOf(org.jrnn.errors.UserInputException.class)
                .hasMessage("labels must be whole class indices, received: 1.5");
    }
}
