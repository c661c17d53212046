// Measurements for docs/SCALING.md, not a test: run by bench/spark-bench.sh. Two modes:
//   accuracy DATA_DIR PRESET SYNC_EVERY P1,P2,...  single-machine jrnn train vs JrnnClassifier on P partitions
//   score DATA_DIR MODEL.jrnn                       rows/s of Spark local[2] scoring vs the in-process Classifier
// Prints one tab-separated line per result; timings are wall clock on whatever else the machine runs.
package org.jrnn.spark.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.jrnn.data.TextField;
import org.jrnn.io.ModelFile;
import org.jrnn.serve.Classifier;
import org.jrnn.spark.JrnnClassificationModel;
import org.jrnn.spark.JrnnClassifier;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.TrainJob;
import org.jrnn.train.TrainingListener;

public final class SparkBench {
    private SparkBench() {}

    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().master(System.getProperty("spark.master", "local[2]")).appName("jrnn-spark-bench")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.maxResultSize", "4g").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            Path dir = Path.of(args[1]);
            switch (args[0]) {
                case "accuracy" -> accuracy(spark, dir, args[2], Integer.parseInt(args[3]), args[4], args.length > 5 ? Path.of(args[5]) : null);
                case "score" -> score(spark, dir, Path.of(args[2]));
                default -> throw new IllegalArgumentException("mode: accuracy or score");
            }
        } finally {
            spark.stop();
        }
    }

    static Dataset<Row> frame(SparkSession spark, Path dir) throws Exception {
        List<Row> rows = new ArrayList<>();
        List<Example> train = DataFiles.read(dir.resolve("train.csv"), ColumnSpec.DEFAULT).examples();
        int limit = Integer.parseInt(System.getenv().getOrDefault("ROWS", "0")); // ROWS=n: the first n training rows only
        if (limit > 0 && limit < train.size()) train = train.subList(0, limit);
        for (Example e : train) {
            rows.add(RowFactory.create(e.title(), e.description(), (double) e.label(), false));
        }
        for (Example e : DataFiles.read(dir.resolve("test.csv"), ColumnSpec.DEFAULT).examples()) {
            rows.add(RowFactory.create(e.title(), e.description(), (double) e.label(), true));
        }
        StructType schema = new StructType().add("title", DataTypes.StringType).add("description", DataTypes.StringType)
                .add("label", DataTypes.DoubleType).add("val", DataTypes.BooleanType);
        return spark.createDataFrame(rows, schema).cache();
    }

    static void accuracy(SparkSession spark, Path dir, String preset, int syncEvery, String partitions, Path saveSingle) throws Exception {
        long seed = Long.parseLong(System.getenv().getOrDefault("SEED", "42"));
        TrainConfig cfg = TrainConfig.builder(Preset.get(preset)).dataDir(dir).epochs(1).threads(1).seed(seed).build();
        // LR_SCALE=linear|sqrt multiplies the learning rate by P or sqrt(P) on P partitions; SKIP_SINGLE=1 skips the baseline.
        String lrScale = System.getenv().getOrDefault("LR_SCALE", "none");
        if (!"1".equals(System.getenv("SKIP_SINGLE"))) {
            long t0 = System.nanoTime();
            TrainJob.Prepared data = TrainJob.prepare(cfg);
            TrainJob.Result single = TrainJob.run(cfg, data, TrainJob.buildModel(cfg, data), TrainingListener.NONE);
            double singleSeconds = (System.nanoTime() - t0) / 1e9;
            if (saveSingle != null) ModelFile.save(saveSingle, single.toSavedModel());
            System.out.printf("RESULT\t%s\tsingle(1 thread), seed " + seed + "\t-\t%.2f\t%.1f%n", preset, 100 * single.test().accuracy(), singleSeconds);
        }
        Dataset<Row> df = frame(spark, dir);
        df.count();
        for (String p : partitions.split(",")) {
            long t1 = System.nanoTime();
            JrnnClassifier.Fitted f = new JrnnClassifier().setTextCols("title", "description").setLabelCol("label")
                    .setValidationIndicatorCol("val").setClassNames(AgNewsCsv.CLASS_NAMES.toArray(String[]::new)).setPreset(preset)
                    .setEpochs(1).setNumPartitions(Integer.parseInt(p)).setSyncEvery(syncEvery).setSeed(seed)
                    .setCombine(System.getenv().getOrDefault("COMBINE", "mean"))
                    .setLazyEmbeddingAdam("1".equals(System.getenv("LAZY")))
                    .setSplitBatch(!"0".equals(System.getenv("SPLIT")))
                    .setScaleLearningRate(!"0".equals(System.getenv("SCALE_LR")))
                    .setBatchSize(Integer.parseInt(System.getenv().getOrDefault("BATCH", "" + cfg.optim().batchSize())))
                    .setLearningRate(cfg.optim().learningRate() * switch (lrScale) {
                        case "linear" -> Integer.parseInt(p);
                        case "sqrt" -> Math.sqrt(Integer.parseInt(p));
                        default -> 1.0;
                    }).fitWithRounds(df);
            double seconds = (System.nanoTime() - t1) / 1e9;
            var h = f.model().savedModel().history();
            // Medians over the rounds: the first rounds include JIT warm-up, and the machine is shared.
            double[] round = f.rounds().stream().mapToDouble(JrnnClassifier.Round::roundSeconds).sorted().toArray();
            double[] compute = f.rounds().stream().mapToDouble(JrnnClassifier.Round::maxComputeSeconds).sorted().toArray();
            double[] sync = f.rounds().stream().mapToDouble(JrnnClassifier.Round::syncSeconds).sorted().toArray();
            double[] other = f.rounds().stream().mapToDouble(r -> r.roundSeconds() - r.maxComputeSeconds() - r.syncSeconds()).sorted().toArray();
            long up = f.rounds().get(0).bytesUp();
            long down = f.rounds().get(0).bytesDown();
            int n = f.rounds().size();
            System.out.printf("RESULT\t%s\t%s partitions, lr " + lrScale + ", " + System.getenv().getOrDefault("COMBINE", "mean") + ", seed " + seed
                    + ("1".equals(System.getenv("LAZY")) ? ", lazy embedding Adam" : "") + ("0".equals(System.getenv("SPLIT")) ? ", whole batch per partition" : ", batch/P") + ("0".equals(System.getenv("SCALE_LR")) || "0".equals(System.getenv("SPLIT")) ? "" : ", lr x sqrt(P)") + "\t%d\t%.2f\t%.1f\trounds=%d\tbytesUp=%.1fMB\tbytesDown=%.1fMB\tmedianRound=%.3f\tmedianMaxCompute=%.3f\tmedianDriverCombine=%.3f\tmedianOther=%.3f%n",
                    preset, p, syncEvery, 100 * h.get(h.size() - 1).valAccuracy(), seconds, n, up / 1e6, down / 1e6,
                    round[n / 2], compute[n / 2], sync[n / 2], other[n / 2]);
        }
    }

    static void score(SparkSession spark, Path dir, Path model) throws Exception {
        List<Example> rows = DataFiles.read(dir.resolve("train.csv"), ColumnSpec.DEFAULT).examples();
        List<String> texts = new ArrayList<>();
        for (Example e : rows) texts.add(e.text(TextField.TITLE_AND_DESCRIPTION));
        Classifier c = Classifier.load(model);
        List<Row> data = new ArrayList<>();
        for (String t : texts) data.add(RowFactory.create(t));
        Dataset<Row> df = spark.createDataFrame(data, new StructType().add("text", DataTypes.StringType)).repartition(2).cache();
        df.count();
        JrnnClassificationModel m = JrnnClassificationModel.fromFile(model.toString()).setInputCol("text");
        for (int rep = 1; rep <= 3; rep++) {
            long t0 = System.nanoTime();
            c.predictBatch(texts);
            double one = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            int half = texts.size() / 2;
            Future<?> a = pool.submit(() -> c.predictBatch(texts.subList(0, half)));
            Future<?> b = pool.submit(() -> c.predictBatch(texts.subList(half, texts.size())));
            a.get();
            b.get();
            pool.shutdown();
            double two = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            m.transform(df).write().format("noop").mode("overwrite").save();
            double sparkSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("RESULT\tscore\trep %d\trows=%d\tin-process 1 thread %.0f rows/s\tin-process 2 threads %.0f rows/s\tspark local[2] %.0f rows/s\tratio(spark/2 threads)=%.2f%n",
                    rep, texts.size(), texts.size() / one, texts.size() / two, texts.size() / sparkSeconds, two / sparkSeconds);
        }
    }
}
