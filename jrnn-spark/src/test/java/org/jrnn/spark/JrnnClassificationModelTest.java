package org.jrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.TestModels;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Prediction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JrnnClassificationModelTest {
    static SparkSession spark;
    static Path modelFile;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.get();
        modelFile = TestModels.saveTiny(tmp);
    }

    /** 700 rows (three chunks of 256 per partition at most), words from the tiny vocabulary and unknown ones, some nulls. */
    static Dataset<Row> texts() {
        List<String> words = new ArrayList<>(TestModels.VOCAB.subList(2, TestModels.VOCAB.size()));
        words.add("Unknown");
        words.add("zebra!");
        List<Row> rows = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 700; i++) {
            StringBuilder title = new StringBuilder();
            for (int t = r.nextInt(0, 6); t > 0; t--) title.append(words.get(r.nextInt(words.size()))).append(' ');
            StringBuilder desc = new StringBuilder();
            for (int t = r.nextInt(0, 20); t > 0; t--) desc.append(words.get(r.nextInt(words.size()))).append(' ');
            rows.add(RowFactory.create(i, title.toString().trim(), i % 50 == 0 ? null : desc.toString().trim()));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("title", DataTypes.StringType)
                .add("description", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    static String joined(Row r) {
        String d = r.getString(2);
        return d == null || d.isEmpty() ? r.getString(1) : r.getString(1) + " " + d;
    }

    @Test
    void scoresLikeClassifierPredictBatchOneClassifierPerJvm() throws Exception {
        Dataset<Row> in = texts();
        int before = ModelBytes.cachedClassifiers();
        JrnnClassificationModel m = JrnnClassificationModel.fromFile(modelFile.toString()).setTextCols("title", "description");
        List<Row> out = m.transform(in).orderBy("id").collectAsList();
        assertThat(ModelBytes.cachedClassifiers()).isEqualTo(before + 1); // two partitions, one JVM: one classifier

        List<String> texts = new ArrayList<>();
        for (Row r : out) texts.add(joined(r));
        List<Prediction> expected = Classifier.load(modelFile).predictBatch(texts);
        assertThat(out).hasSize(700);
        assertThat(expected.stream().map(Prediction::labelIndex).distinct().count()).isGreaterThan(1); // the comparison can fail
        for (int i = 0; i < out.size(); i++) {
            Row r = out.get(i);
            Prediction p = expected.get(i);
            assertThat(r.getDouble(r.fieldIndex("prediction"))).isEqualTo(p.labelIndex());
            assertThat(r.getString(r.fieldIndex("predictedLabel"))).isEqualTo(p.label());
            Vector prob = r.getAs("probability");
            Vector raw = r.getAs("rawPrediction");
            for (int k = 0; k < p.probabilities().size(); k++) {
                assertThat(prob.apply(k)).isEqualTo(p.probabilities().get(k));
                assertThat(raw.apply(k)).isEqualTo(Math.log(p.probabilities().get(k)));
            }
        }
    }

    @Test
    void savesAndLoadsInsideAPipelineModel() throws Exception {
        Dataset<Row> in = texts();
        JrnnClassificationModel m = JrnnClassificationModel.fromFile(modelFile.toString()).setTextCols("title", "description")
                .setPredictedLabelCol("label_name").setRawPredictionCol("");
        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {m}).fit(in);
        String dir = tmp.resolve("pipeline").toString();
        pipeline.write().overwrite().save(dir);
        assertThat(Files.exists(Path.of(dir, "stages"))).isTrue();

        PipelineModel loaded = PipelineModel.load(dir);
        assertThat(loaded.stages()[0]).isInstanceOf(JrnnClassificationModel.class);
        JrnnClassificationModel back = (JrnnClassificationModel) loaded.stages()[0];
        assertThat(back.modelBytes()).isEqualTo(Files.readAllBytes(modelFile));
        assertThat(back.getOrDefault(back.predictedLabelCol())).isEqualTo("label_name");
        List<Row> a = pipeline.transform(in).orderBy("id").collectAsList();
        List<Row> b = loaded.transform(in).orderBy("id").collectAsList();
        assertThat(b).isEqualTo(a);
        assertThat(b.get(0).schema().fieldNames()).containsExactly("id", "title", "description", "prediction", "probability", "label_name");
    }

    @Test
    void aMissingColumnIsOneClearLine() throws Exception {
        JrnnClassificationModel m = JrnnClassificationModel.fromFile(modelFile.toString()).setInputCol("body");
        assertThatThrownBy(() -> m.transform(texts()))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("no column 'body'; the data has: id, title, description");
        JrnnClassificationModel clash = JrnnClassificationModel.fromFile(modelFile.toString()).setInputCol("title").setPredictionCol("id");
        assertThatThrownBy(() -> clash.transform(texts())).hasMessageContaining("output column 'id' already exists");
    }

    @Test
    void aBadModelFileIsOneClearLine() throws Exception {
        Path bad = tmp.resolve("bad.jrnn");
        Files.writeString(bad, "not a model");
        assertThatThrownBy(() -> JrnnClassificationModel.fromFile(bad.toString()))
                .isInstanceOf(org.jrnn.errors.UserInputException.class)
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> JrnnClassificationModel.fromFile(tmp.resolve("missing.jrnn").toString()))
                .hasMessageEndingWith("missing.jrnn: file not found");
    }
}
