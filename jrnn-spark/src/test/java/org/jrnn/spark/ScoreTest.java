package org.jrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.TestModels;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Prediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreTest {
    @TempDir
    Path tmp;

    @Test
    void badArgumentsAreOneLineBeforeSparkStarts() {
        assertThatThrownBy(() -> Score.Args.parse(new String[] {"--input", "x.csv", "--output", "o", "--text-column", "t"}))
                .isInstanceOf(UserInputException.class).hasMessageStartingWith("--model is required; usage: Score");
        assertThatThrownBy(() -> Score.Args.parse(new String[] {"--model", "m", "--input", "x", "--output", "o", "--text-column", "t",
                "--format", "xml"})).hasMessage("--format must be csv, parquet or json, received: xml");
        assertThatThrownBy(() -> Score.Args.parse(new String[] {"--model", "m", "--colour", "red"}))
                .hasMessageStartingWith("unknown argument '--colour'");
        assertThatThrownBy(() -> Score.Args.parse(new String[] {"--model"})).hasMessageStartingWith("--model needs a value");
        Score.Args a = Score.Args.parse(new String[] {"--model", "m", "--input", "in.parquet/", "--output", "o", "--text-column", "a",
                "--text-column", "b"});
        assertThat(a.format()).isEqualTo("parquet");
        assertThat(a.textColumns()).containsExactly("a", "b");
    }

    @Test
    void scoresACsvFileIntoCsvAndParquet() throws Exception {
        SparkSession spark = LocalSpark.get();
        Path model = TestModels.saveTiny(tmp);
        Path csv = tmp.resolve("in.csv");
        List<String> texts = List.of("the team wins the match", "bank profit, \"shares\" up", "minister talks war", "zebra");
        StringBuilder sb = new StringBuilder("id,text\n");
        for (int i = 0; i < texts.size(); i++) sb.append(i).append(",\"").append(texts.get(i).replace("\"", "\"\"")).append("\"\n");
        Files.writeString(csv, sb.toString());
        List<Prediction> expected = Classifier.load(model).predictBatch(texts);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String outCsv = tmp.resolve("out-csv").toString();
        int code = Score.run(Score.Args.parse(new String[] {"--model", model.toString(), "--input", csv.toString(), "--output", outCsv,
                "--text-column", "text"}), spark, print(out), print(err));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("scored 4 rows into " + outCsv);
        List<Row> rows = spark.read().option("header", "true").option("escape", "\"").csv(outCsv).orderBy("id").collectAsList();
        assertThat(rows.get(0).schema().fieldNames()).containsExactly("id", "text", "prediction", "predictedLabel",
                "probability_World", "probability_Sports", "probability_Business");
        for (int i = 0; i < texts.size(); i++) {
            assertThat(rows.get(i).getString(1)).isEqualTo(texts.get(i));
            assertThat(rows.get(i).getString(3)).isEqualTo(expected.get(i).label());
            assertThat(Double.parseDouble(rows.get(i).getString(5))).isEqualTo(expected.get(i).probabilities().get(1));
        }

        String outParquet = tmp.resolve("out.parquet").toString();
        code = Score.run(Score.Args.parse(new String[] {"--model", model.toString(), "--input", csv.toString(), "--output", outParquet,
                "--text-column", "text", "--output-format", "parquet"}), spark, print(out), print(err));
        assertThat(code).isZero();
        List<Row> p = spark.read().parquet(outParquet).orderBy("id").collectAsList();
        List<Double> probs = new ArrayList<>(p.get(2).<Double>getList(p.get(2).fieldIndex("probability")));
        assertThat(probs).isEqualTo(expected.get(2).probabilities());

        // Writing over an existing output needs --overwrite: Spark's own message, one line, exit 2.
        err.reset();
        code = Score.run(Score.Args.parse(new String[] {"--model", model.toString(), "--input", csv.toString(), "--output", outParquet,
                "--text-column", "text"}), spark, print(out), print(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("jrnn-spark: error: ").containsOnlyOnce("\n");

        err.reset();
        code = Score.run(Score.Args.parse(new String[] {"--model", model.toString(), "--input", csv.toString(), "--output", outParquet,
                "--text-column", "body", "--overwrite"}), spark, print(out), print(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("jrnn-spark: error: no column 'body'; the data has: id, text\n");
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
