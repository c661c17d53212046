package org.jrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jrnn.io.TestModels;
import org.jrnn.model.EpochMetrics;
import org.jrnn.nn.Param;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Prediction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoring and training on a standalone cluster (Master + 2 Workers on 127.0.0.1, started and stopped here
 * through bench/spark-cluster.sh), including a Worker JVM killed mid-training. Opt-in:
 * {@code mvn -B verify -pl jrnn-spark -am -Pspark-cluster} (about 2-3 minutes, 6 JVMs).
 */
class StandaloneClusterIT {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent(); // surefire runs in jrnn-spark/
    static final Path STATE = ROOT.resolve("jrnn-spark/target/spark-cluster");
    static SparkSession spark;
    @TempDir
    static Path tmp;

    static void script(String arg) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bench/spark-cluster.sh").toString(), arg).redirectErrorStream(true);
        // The Spark jars for the cluster's SPARK_HOME: this JVM's test classpath (surefire publishes it), no nested Maven.
        Path cp = Files.createDirectories(STATE).resolve("surefire-classpath.txt");
        Files.writeString(cp, System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        pb.environment().put("JRNN_SPARK_CLASSPATH_FILE", cp.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("spark-cluster.sh " + arg + " failed: " + out);
    }

    @BeforeAll
    static void start() throws Exception {
        script("start");
        // Everything runs on this machine, so executors can read the compiled classes where they are.
        String cp = String.join(File.pathSeparator, ROOT.resolve("jrnn-spark/target/classes").toString(),
                ROOT.resolve("jrnn-spark/target/test-classes").toString(), ROOT.resolve("jrnn-core/target/classes").toString(),
                ROOT.resolve("jrnn-core/target/test-classes").toString(),
                Path.of(de.siegmar.fastcsv.reader.CsvReader.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        spark = SparkSession.builder().master("spark://127.0.0.1:7077").appName("jrnn-spark-cluster-it")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.executor.memory", "768m").config("spark.executor.cores", "1")
                .config("spark.executor.extraClassPath", cp).config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (spark != null) spark.stop();
        } finally {
            script("stop");
        }
    }

    @Test
    void scoresOnTheCluster() throws Exception {
        Path model = TestModels.saveTiny(tmp);
        JrnnClassificationModelTest.spark = spark;
        Dataset<Row> in = JrnnClassificationModelTest.texts();
        List<Row> out = JrnnClassificationModel.fromFile(model.toString()).setTextCols("title", "description").transform(in)
                .orderBy("id").collectAsList();
        List<String> texts = new ArrayList<>();
        for (Row r : out) texts.add(JrnnClassificationModelTest.joined(r));
        List<Prediction> expected = Classifier.load(model).predictBatch(texts);
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i).getString(out.get(i).fieldIndex("predictedLabel"))).isEqualTo(expected.get(i).label());
        }
    }

    @Test
    void trainingSurvivesAKilledWorker() throws Exception {
        JrnnClassifierTest.spark = spark;
        JrnnClassifierTest.tmp = tmp;
        JrnnClassifierTest.trainFile = JrnnClassifierTest.head("train", 600);
        JrnnClassifierTest.testFile = JrnnClassifierTest.head("test", 150);
        Dataset<Row> df = JrnnClassifierTest.frame();
        JrnnClassifier.Fitted clean = JrnnClassifierTest.classifier(2).fitWithRounds(df);

        long workerPid = Long.parseLong(Files.readString(STATE.resolve("worker-1.pid")).trim());
        JrnnClassifier faulty = JrnnClassifierTest.classifier(2);
        faulty.afterRound = n -> {
            if (n == 2) ProcessHandle.of(workerPid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL: no goodbye to the master
        };
        JrnnClassifier.Fitted survived = faulty.fitWithRounds(df);
        assertThat(ProcessHandle.of(workerPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

        // Spark re-ran the lost tasks (recomputing the lost shard from its lineage) on the remaining Worker:
        // same shards, same order, so the same numbers, not merely a close accuracy.
        List<Param> a = clean.model().savedModel().model().params();
        List<Param> b = survived.model().savedModel().model().params();
        for (int i = 0; i < a.size(); i++) assertThat(b.get(i).data).as(a.get(i).name()).isEqualTo(a.get(i).data);
        EpochMetrics last = survived.model().savedModel().history().get(1);
        assertThat(last.valAccuracy()).isEqualTo(clean.model().savedModel().history().get(1).valAccuracy());
    }
}
