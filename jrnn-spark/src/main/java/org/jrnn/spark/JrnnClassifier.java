// Trains a jrnn classifier on a Spark cluster: Spark ML's Estimator for JrnnClassificationModel. The
// vocabulary is adapted on the cluster (DistributedVocabulary), the rows are dealt to shards by their row
// index (row i to shard i mod P, in row order), and training is synchronous local SGD (LocalSgd): every
// round each shard takes syncEvery steps from the same weights and Adam state, then the driver averages
// the shards' weights and moments and broadcasts them. The result is an ordinary .jrnn model.
package org.jrnn.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.jrnn.data.EncodedDataset;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.SavedModel;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.text.TextVectorizer;
import org.jrnn.train.OptimConfig;
import org.jrnn.train.Preset;
import org.jrnn.train.Trainer;
import org.jrnn.train.TrainingDivergedException;
import org.jrnn.train.VocabConfig;
import scala.Tuple2;

/**
 * Fits a {@link JrnnClassificationModel}.
 *
 * <pre>{@code
 * JrnnClassifier c = new JrnnClassifier().setTextCols("title", "description").setLabelCol("label")
 *         .setPreset("gru").setEpochs(1).setNumPartitions(8).setSyncEvery(16);
 * JrnnClassificationModel m = c.fit(train);   // m.savedModel(): an ordinary .jrnn model with its history
 * }</pre>
 *
 * <p>Input: the text column(s) as for scoring, and {@code labelCol} holding the class index 0..K-1 (a
 * double or integer column, e.g. StringIndexer's output, whose class names are used). Rows flagged in
 * {@code validationIndicatorCol} are not trained on: they are scored after each epoch, as the test set is
 * by {@code jrnn train}. The settings mirror {@code jrnn train}'s; 0 for {@code epochs} or {@code batchSize}
 * means the preset's.
 *
 * <p>Results are deterministic for a seed and a number of partitions, given the same rows in the same
 * order: the input's row order (a file's line order) decides the vocabulary's ties and the shards. Read
 * the data from files, or cache or sort it first: a DataFrame straight out of a shuffle (repartition, a
 * join) may come back in another order when Spark recomputes a lost partition. With one partition and
 * {@code threadsPerTask} equal to {@code jrnn train --threads}, the weights equal single-machine training
 * bit for bit (the vocabulary is adapted on the columns the model reads, which is title + description for
 * every preset but {@code rnn_titles}). Not supported here: early stopping, a held-out split, pretrained
 * word vectors.
 */
public final class JrnnClassifier extends Estimator<JrnnClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    public final Param<String> inputCol;
    public final StringArrayParam textCols;
    public final Param<String> labelCol;
    public final StringArrayParam classNames;
    public final Param<String> validationIndicatorCol;
    public final Param<String> preset;
    public final Param<String> architecture;
    public final IntParam epochs;
    public final IntParam batchSize;
    public final BooleanParam splitBatch;
    public final BooleanParam scaleLearningRate;
    public final DoubleParam learningRate;
    public final LongParam seed;
    public final IntParam vocabSize;
    public final IntParam adaptRows;
    public final Param<String> vocabTies;
    public final BooleanParam lazyEmbeddingAdam;
    public final BooleanParam bucket;
    public final DoubleParam clipNorm;
    public final IntParam syncEvery;
    public final IntParam numPartitions;
    public final IntParam threadsPerTask;
    public final Param<String> checkpointDir;
    public final Param<String> combine;
    public final IntParam checkpointEvery;
    /** Test hook, called on the driver after each round with the number of rounds this fit has run (crash and fault tests). */
    transient java.util.function.IntConsumer afterRound;
    /** Test hook: send whole embeddings even with lazy embedding Adam (to check the touched-rows path against it). */
    transient boolean wholeEmbeddings;

    public JrnnClassifier() {
        this("jrnnClassifier_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    }

    public JrnnClassifier(String uid) {
        this.uid = uid; // before the params: each names its parent by uid
        inputCol = new Param<>(this, "inputCol", "the text column (ignored when textCols is set)");
        textCols = new StringArrayParam(this, "textCols", "text columns joined with a space, in order (e.g. title, description)");
        labelCol = new Param<>(this, "labelCol", "class index 0..K-1 (numeric)");
        classNames = new StringArrayParam(this, "classNames", "class names in index order; empty = the label column's nominal metadata, else \"0\"..\"K-1\"");
        validationIndicatorCol = new Param<>(this, "validationIndicatorCol", "boolean column: true = validation row, not trained on; \"\" = none");
        preset = new Param<>(this, "preset", "named configuration (jrnn presets): architecture, batch size, epochs");
        architecture = new Param<>(this, "architecture", "architecture JSON replacing the preset's (jrnn --model FILE.json); \"\" = the preset's");
        epochs = new IntParam(this, "epochs", "passes over the data; 0 = the preset's");
        batchSize = new IntParam(this, "batchSize", "rows per optimizer step (over all partitions with splitBatch, else on each); 0 = the preset's");
        splitBatch = new BooleanParam(this, "splitBatch", "split batchSize across the partitions (batchSize / P rows per step on each,"
                + " at least 1), so an epoch takes as many optimizer steps as on one machine");
        scaleLearningRate = new BooleanParam(this, "scaleLearningRate", "with splitBatch, multiply the learning rate by √P: a"
                + " partition's Adam sees a P times smaller batch, whose noisier gradients raise its second moment and shorten its steps");
        learningRate = new DoubleParam(this, "learningRate", "Adam's learning rate");
        seed = new LongParam(this, "seed", "seeds initialisation, shuffles and dropout");
        vocabSize = new IntParam(this, "vocabSize", "max_tokens, padding and [UNK] included");
        adaptRows = new IntParam(this, "adaptRows", "training rows the vocabulary is adapted on, first in row order; 0 = all");
        vocabTies = new Param<>(this, "vocabTies", "order of tokens with equal counts: first (first appearance) or keras");
        lazyEmbeddingAdam = new BooleanParam(this, "lazyEmbeddingAdam", "update only the embedding rows each batch uses (SparseAdam)");
        bucket = new BooleanParam(this, "bucket", "batch rows of similar length together");
        clipNorm = new DoubleParam(this, "clipNorm", "clip gradients to this global L2 norm; 0 = off");
        syncEvery = new IntParam(this, "syncEvery", "optimizer steps each partition takes between weight averagings (K)");
        numPartitions = new IntParam(this, "numPartitions", "training shards; 0 = Spark's default parallelism");
        threadsPerTask = new IntParam(this, "threadsPerTask", "threads each training task uses (jrnn train --threads)");
        checkpointDir = new Param<>(this, "checkpointDir", "Hadoop-compatible folder for checkpoints; a run finding its own checkpoint there continues it; \"\" = none");
        combine = new Param<>(this, "combine", "how a round's shard changes are combined: mean (federated averaging; the default), sqrt (the start"
                + " + √c × the mean change of the c shards that changed a parameter) or sum (the start + every shard's change)");
        checkpointEvery = new IntParam(this, "checkpointEvery", "rounds between checkpoints (and one at each epoch end)");
        setDefault(inputCol, "text");
        setDefault(textCols, new String[0]);
        setDefault(labelCol, "label");
        setDefault(classNames, new String[0]);
        setDefault(validationIndicatorCol, "");
        setDefault(preset, Preset.DEFAULT);
        setDefault(architecture, "");
        setDefault(epochs, (Object) 0);
        setDefault(batchSize, (Object) 0);
        setDefault(splitBatch, (Object) true);
        setDefault(scaleLearningRate, (Object) true);
        setDefault(learningRate, (Object) OptimConfig.DEFAULT_LEARNING_RATE);
        setDefault(seed, (Object) OptimConfig.DEFAULT_SEED);
        setDefault(vocabSize, (Object) VocabConfig.DEFAULT_VOCAB_SIZE);
        setDefault(adaptRows, (Object) 0);
        setDefault(vocabTies, "first");
        setDefault(lazyEmbeddingAdam, (Object) false);
        setDefault(bucket, (Object) false);
        setDefault(clipNorm, (Object) 0.0);
        setDefault(syncEvery, (Object) 16);
        setDefault(numPartitions, (Object) 0);
        setDefault(threadsPerTask, (Object) 1);
        setDefault(checkpointDir, "");
        setDefault(combine, "mean");
        setDefault(checkpointEvery, (Object) 10);
    }

    // ------------------------------------------------------------------ setters (Spark ML style)

    public JrnnClassifier setInputCol(String v) { set(inputCol, v); return this; }
    public JrnnClassifier setTextCols(String... v) { set(textCols, v); return this; }
    public JrnnClassifier setLabelCol(String v) { set(labelCol, v); return this; }
    public JrnnClassifier setClassNames(String... v) { set(classNames, v); return this; }
    public JrnnClassifier setValidationIndicatorCol(String v) { set(validationIndicatorCol, v); return this; }
    public JrnnClassifier setPreset(String v) { set(preset, v); return this; }
    public JrnnClassifier setArchitecture(String json) { set(architecture, json); return this; }
    public JrnnClassifier setEpochs(int v) { set(epochs, (Object) v); return this; }
    public JrnnClassifier setBatchSize(int v) { set(batchSize, (Object) v); return this; }
    public JrnnClassifier setSplitBatch(boolean v) { set(splitBatch, (Object) v); return this; }
    public JrnnClassifier setScaleLearningRate(boolean v) { set(scaleLearningRate, (Object) v); return this; }
    public JrnnClassifier setLearningRate(double v) { set(learningRate, (Object) v); return this; }
    public JrnnClassifier setSeed(long v) { set(seed, (Object) v); return this; }
    public JrnnClassifier setVocabSize(int v) { set(vocabSize, (Object) v); return this; }
    public JrnnClassifier setAdaptRows(int v) { set(adaptRows, (Object) v); return this; }
    public JrnnClassifier setVocabTies(String v) { set(vocabTies, v); return this; }
    public JrnnClassifier setLazyEmbeddingAdam(boolean v) { set(lazyEmbeddingAdam, (Object) v); return this; }
    public JrnnClassifier setBucket(boolean v) { set(bucket, (Object) v); return this; }
    public JrnnClassifier setClipNorm(double v) { set(clipNorm, (Object) v); return this; }
    public JrnnClassifier setSyncEvery(int v) { set(syncEvery, (Object) v); return this; }
    public JrnnClassifier setNumPartitions(int v) { set(numPartitions, (Object) v); return this; }
    public JrnnClassifier setThreadsPerTask(int v) { set(threadsPerTask, (Object) v); return this; }
    public JrnnClassifier setCheckpointDir(String v) { set(checkpointDir, v); return this; }
    public JrnnClassifier setCombine(String v) { set(combine, v); return this; }
    public JrnnClassifier setCheckpointEvery(int v) { set(checkpointEvery, (Object) v); return this; }

    // Spark ML finds params through public no-argument methods returning a Param.
    public Param<String> inputCol() { return inputCol; }
    public StringArrayParam textCols() { return textCols; }
    public Param<String> labelCol() { return labelCol; }
    public StringArrayParam classNames() { return classNames; }
    public Param<String> validationIndicatorCol() { return validationIndicatorCol; }
    public Param<String> preset() { return preset; }
    public Param<String> architecture() { return architecture; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public BooleanParam splitBatch() { return splitBatch; }
    public BooleanParam scaleLearningRate() { return scaleLearningRate; }
    public DoubleParam learningRate() { return learningRate; }
    public LongParam seed() { return seed; }
    public IntParam vocabSize() { return vocabSize; }
    public IntParam adaptRows() { return adaptRows; }
    public Param<String> vocabTies() { return vocabTies; }
    public BooleanParam lazyEmbeddingAdam() { return lazyEmbeddingAdam; }
    public BooleanParam bucket() { return bucket; }
    public DoubleParam clipNorm() { return clipNorm; }
    public IntParam syncEvery() { return syncEvery; }
    public IntParam numPartitions() { return numPartitions; }
    public IntParam threadsPerTask() { return threadsPerTask; }
    public Param<String> checkpointDir() { return checkpointDir; }
    public Param<String> combine() { return combine; }
    public IntParam checkpointEvery() { return checkpointEvery; }

    private int intOf(IntParam p) {
        return (Integer) $(p);
    }

    private double doubleOf(DoubleParam p) {
        return (Double) $(p);
    }

    private boolean boolOf(BooleanParam p) {
        return (Boolean) $(p);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public JrnnClassifier copy(ParamMap extra) {
        return copyValues(new JrnnClassifier(uid), extra);
    }

    List<String> inputColumns() {
        String[] cols = $(textCols);
        return cols.length > 0 ? List.of(cols) : List.of($(inputCol));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : inputColumns()) {
            if (!names.contains(c)) throw new InvalidOptionException(TextColumns.missing(c, schema));
            if (!schema.apply(c).dataType().equals(DataTypes.StringType)) {
                throw new InvalidOptionException("text column '" + c + "' must be a string, received: " + schema.apply(c).dataType().simpleString());
            }
        }
        String label = $(labelCol);
        if (!names.contains(label)) throw new InvalidOptionException(TextColumns.missing(label, schema));
        if (!(schema.apply(label).dataType() instanceof NumericType)) {
            throw new InvalidOptionException("label column '" + label + "' must be numeric (a class index; StringIndexer makes one), received: "
                    + schema.apply(label).dataType().simpleString());
        }
        String v = $(validationIndicatorCol);
        if (!v.isEmpty()) {
            if (!names.contains(v)) throw new InvalidOptionException(TextColumns.missing(v, schema));
            if (!schema.apply(v).dataType().equals(DataTypes.BooleanType)) {
                throw new InvalidOptionException("validation indicator column '" + v + "' must be boolean, received: "
                        + schema.apply(v).dataType().simpleString());
            }
        }
        return JrnnClassificationModel.withOutputs(schema, "prediction", "probability", "rawPrediction", "predictedLabel");
    }

    // ------------------------------------------------------------------ settings

    /** The run's settings, validated as jrnn train validates them (InvalidOptionException names the param). */
    record Settings(String presetName, ModelSpec spec, OptimConfig optim, VocabConfig vocab, int syncEvery, int threads,
                    LocalSgd.Combine combine) {}

    Settings settings() {
        Preset p = Preset.get($(preset));
        ModelSpec spec = $(architecture).isEmpty() ? p.model() : ModelSpec.parse($(architecture), "architecture");
        int e = intOf(epochs) == 0 ? p.epochs() : intOf(epochs);
        int b = intOf(batchSize) == 0 ? p.batchSize() : intOf(batchSize);
        OptimConfig optim = new OptimConfig(e, b, doubleOf(learningRate), (Long) $(seed), doubleOf(clipNorm), boolOf(lazyEmbeddingAdam),
                boolOf(bucket), 0);
        TextVectorizer.TieOrder ties = switch ($(vocabTies)) {
            case "first" -> TextVectorizer.TieOrder.FIRST_APPEARANCE;
            case "keras" -> TextVectorizer.TieOrder.KERAS;
            default -> throw InvalidOptionException.of("vocabTies", "must be first or keras, received: " + $(vocabTies));
        };
        VocabConfig vocab = new VocabConfig(intOf(vocabSize), intOf(adaptRows), ties);
        if (intOf(syncEvery) < 1) throw InvalidOptionException.of("syncEvery", "must be >= 1, received: " + intOf(syncEvery));
        if (intOf(threadsPerTask) < 1) throw InvalidOptionException.of("threadsPerTask", "must be >= 1, received: " + intOf(threadsPerTask));
        if (intOf(checkpointEvery) < 1) throw InvalidOptionException.of("checkpointEvery", "must be >= 1, received: " + intOf(checkpointEvery));
        if (intOf(numPartitions) < 0) throw InvalidOptionException.of("numPartitions", "must be >= 0 (0 = default parallelism), received: " + intOf(numPartitions));
        LocalSgd.Combine how = switch ($(combine)) {
            case "mean" -> LocalSgd.Combine.MEAN;
            case "sqrt" -> LocalSgd.Combine.SQRT;
            case "sum" -> LocalSgd.Combine.SUM;
            default -> throw InvalidOptionException.of("combine", "must be sqrt, mean or sum, received: " + $(combine));
        };
        return new Settings(p.name(), spec, optim, vocab, intOf(syncEvery), intOf(threadsPerTask), how);
    }

    // ------------------------------------------------------------------ fit

    /** One synchronisation round, as measured: for docs/SCALING.md and for users tuning syncEvery. */
    public record Round(int epoch, int round, int steps, double maxComputeSeconds, double roundSeconds, double syncSeconds,
                        long bytesUp, long bytesDown) {}

    /** A fitted model and how its rounds went. */
    public record Fitted(JrnnClassificationModel model, List<Round> rounds) {}

    @Override
    public JrnnClassificationModel fit(Dataset<?> dataset) {
        return fitWithRounds(dataset).model();
    }

    /** {@link #fit}, also returning the per-round timings and synchronised bytes. */
    public Fitted fitWithRounds(Dataset<?> dataset) {
        try {
            return fitRounds(dataset);
        } catch (org.apache.spark.SparkException e) {
            // A bad row found inside a task (a null or fractional label) reaches the driver wrapped in
            // Spark's task failure; the user gets jrnn's one line, not the task's stack trace.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof org.jrnn.errors.UserInputException u) throw new org.jrnn.errors.UserInputException(u.getMessage(), e);
            }
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private Fitted fitRounds(Dataset<?> dataset) throws org.apache.spark.SparkException {
        transformSchema(dataset.schema());
        Settings s = settings();
        Dataset<Row> df = dataset.toDF();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        int partitions = intOf(numPartitions) > 0 ? intOf(numPartitions) : jsc.defaultParallelism();
        List<String> cols = inputColumns();
        int[] textIdx = cols.stream().mapToInt(c -> df.schema().fieldIndex(c)).toArray();
        int labelIdx = df.schema().fieldIndex($(labelCol));
        String v = $(validationIndicatorCol);
        int valIdx = v.isEmpty() ? -1 : df.schema().fieldIndex(v);

        // (text, label, validation?) in row order.
        JavaRDD<Labelled> rows = df.javaRDD().map(r -> Labelled.of(r, textIdx, labelIdx, valIdx));
        // Training rows with their index in row order: one zipWithIndex shared by the vocabulary and the shards.
        JavaPairRDD<Labelled, Long> train = rows.filter(r -> !r.validation()).zipWithIndex();
        train.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<String> names = classNames(df, train.keys());
            int k = names.size();
            TextVectorizer vec = DistributedVocabulary.adaptIndexed(train.mapToPair(t -> new Tuple2<>(t._1().text(), t._2())),
                    s.vocab().vocabSize(), s.vocab().adaptRows(), s.vocab().ties());
            Broadcast<List<String>> vocabB = jsc.broadcast(vec.vocabulary());
            JavaRDD<LocalSgd.Shard> shards = shards(train, vocabB, partitions, k);
            shards.persist(StorageLevel.MEMORY_AND_DISK());
            try {
                List<Integer> sizes = shards.map(LocalSgd.Shard::size).collect();
                int trainRows = sizes.stream().mapToInt(Integer::intValue).sum();
                if (trainRows == 0) throw new InvalidOptionException("no training rows (every row is a validation row, or the data is empty)");
                EncodedDataset validation = valIdx < 0 ? null : validation(rows, vec, k);
                return train(s, vec, names, shards, sizes, partitions, validation, jsc, trainRows);
            } finally {
                shards.unpersist(false);
                vocabB.destroy();
            }
        } finally {
            train.unpersist(false);
        }
    }

    /** One input row reduced to what training needs. */
    record Labelled(String text, double label, boolean validation) implements Serializable {
        static Labelled of(Row r, int[] textIdx, int labelIdx, int valIdx) {
            if (r.isNullAt(labelIdx)) throw new InvalidOptionException("the label column holds a null");
            double y = ((Number) r.get(labelIdx)).doubleValue();
            boolean val = valIdx >= 0 && !r.isNullAt(valIdx) && r.getBoolean(valIdx);
            return new Labelled(TextColumns.join(r, textIdx), y, val);
        }
    }

    /** The classNames param, else the label column's nominal metadata (StringIndexer), else "0".."K-1" with K = max label + 1. */
    private List<String> classNames(Dataset<Row> df, JavaRDD<Labelled> train) {
        List<String> names = List.of($(classNames));
        if (names.isEmpty()) {
            Attribute a = Attribute.fromStructField(df.schema().apply($(labelCol)));
            if (a instanceof NominalAttribute n && n.values().isDefined()) names = List.of(n.values().get());
        }
        double[] range = train.map(r -> new double[] {r.label(), r.label()})
                .fold(new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}, (a, b) -> new double[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        double min = range[0];
        double max = range[1];
        if (min > max) throw new InvalidOptionException("no training rows (every row is a validation row, or the data is empty)");
        if (names.isEmpty()) {
            List<String> generated = new ArrayList<>();
            for (int i = 0; i <= (int) max; i++) generated.add(String.valueOf(i));
            names = generated;
        }
        if (min < 0 || max >= names.size()) {
            throw new InvalidOptionException("labels must be class indices in [0, " + names.size() + "), received values from " + min + " to " + max);
        }
        if (names.size() < 2) throw new InvalidOptionException("need at least 2 classes, received " + names.size());
        return names;
    }

    /** Row i (in row order) goes to shard i mod P; each shard keeps its rows in row order. */
    private static JavaRDD<LocalSgd.Shard> shards(JavaPairRDD<Labelled, Long> train, Broadcast<List<String>> vocab, int partitions, int k) {
        JavaPairRDD<Long, Tuple2<int[], Integer>> encoded = train.mapPartitionsToPair(it -> {
            TextVectorizer vec = TextVectorizer.fromVocabulary(vocab.value());
            List<Tuple2<Long, Tuple2<int[], Integer>>> out = new ArrayList<>();
            while (it.hasNext()) {
                Tuple2<Labelled, Long> t = it.next();
                double y = t._1().label();
                if (y != Math.rint(y)) throw new InvalidOptionException("labels must be whole class indices, received: " + y);
                out.add(new Tuple2<>(t._2(), new Tuple2<>(vec.encode(t._1().text()), (int) y)));
            }
            return out.iterator();
        });
        return encoded.partitionBy(new ModPartitioner(partitions)).mapPartitions(it -> {
            List<Tuple2<Long, Tuple2<int[], Integer>>> rows = new ArrayList<>();
            it.forEachRemaining(rows::add);
            rows.sort(Comparator.comparingLong(Tuple2::_1));
            int[][] tokens = new int[rows.size()][];
            int[] labels = new int[rows.size()];
            for (int i = 0; i < labels.length; i++) {
                tokens[i] = rows.get(i)._2()._1();
                labels[i] = rows.get(i)._2()._2();
            }
            return List.of(new LocalSgd.Shard(tokens, labels)).iterator();
        }, true);
    }

    /** Row index mod P: deterministic, and every shard sees rows from the whole data. */
    static final class ModPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int n;

        ModPartitioner(int n) {
            this.n = n;
        }

        @Override
        public int numPartitions() {
            return n;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod((Long) key, (long) n);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ModPartitioner m && m.n == n;
        }

        @Override
        public int hashCode() {
            return n;
        }
    }

    /** Validation rows, encoded on the driver in row order (they are scored there after each epoch). */
    private static EncodedDataset validation(JavaRDD<Labelled> rows, TextVectorizer vec, int k) {
        List<Labelled> val = rows.filter(Labelled::validation).collect();
        if (val.isEmpty()) return null;
        int[][] tokens = new int[val.size()][];
        int[] labels = new int[val.size()];
        for (int i = 0; i < labels.length; i++) {
            tokens[i] = vec.encode(val.get(i).text());
            double y = val.get(i).label();
            if (y != Math.rint(y) || y < 0 || y >= k) throw new InvalidOptionException("validation label outside [0, " + k + "): " + y);
            labels[i] = (int) y;
        }
        return new EncodedDataset(tokens, labels, k);
    }

    /** Everything that decides the numbers of a run (not the number of epochs, which may grow on resume). */
    private String fingerprint(Settings s, LocalSgd.Plan plan, TextVectorizer vec, List<String> names, List<Integer> sizes) {
        return String.join(";", "plan=" + plan.toString().replaceAll("\\s+", ""), "combine=" + s.combine(), "vocab=" + vec.size() + ":"
                + Integer.toHexString(vec.vocabulary().hashCode()), "classes=" + names, "shards=" + sizes,
                "kernels=" + org.jrnn.kernels.Kernels.numerics());
    }

    private Fitted train(Settings s, TextVectorizer vec, List<String> names, JavaRDD<LocalSgd.Shard> shards, List<Integer> sizes,
                         int partitions, EncodedDataset validation, JavaSparkContext jsc, int trainRows) {
        OptimConfig o = s.optim();
        // With splitBatch the P partitions' steps together take the batch one machine's step takes.
        int batch = boolOf(splitBatch) ? Math.max(1, o.batchSize() / partitions) : o.batchSize();
        // Averaging P Adam steps taken on batches P times smaller: their second moments carry up to P times the
        // gradient noise, so each step is up to √P shorter than one machine's; √P restores the length (§1 of
        // docs/SCALING.md: gru lost 0.7–0.8 points without it). P = 1 keeps the learning rate as it is.
        double lr = boolOf(splitBatch) && boolOf(scaleLearningRate) && partitions > 1 ? o.learningRate() * Math.sqrt(partitions) : o.learningRate();
        LocalSgd.Plan plan = new LocalSgd.Plan(s.spec().toJson(), vec.size(), names.size(), o.seed(), batch, lr,
                o.lazyEmbeddingAdam(), o.bucket(), o.clipNorm(), s.threads(), s.syncEvery(), o.lazyEmbeddingAdam() && !wholeEmbeddings);
        Sequential model = plan.build(); // the initial weights: ModelSpec.build with the seed, as jrnn train
        Adam adam = Adam.keras(lr);
        String fp = fingerprint(s, plan, vec, names, sizes);
        String dir = $(checkpointDir);
        var conf = jsc.hadoopConfiguration();
        SgdCheckpoint st = new SgdCheckpoint(fp, partitions, LocalSgd.State.of(model.params(), adam));
        if (!dir.isEmpty() && SgdCheckpoint.exists(dir, conf)) st = SgdCheckpoint.read(dir, conf, fp, st.state);
        int maxBatches = 0;
        for (int n : sizes) maxBatches = Math.max(maxBatches, (n + batch - 1) / batch);
        int rounds = (maxBatches + s.syncEvery() - 1) / s.syncEvery();
        List<Round> roundLog = new ArrayList<>();
        int roundsThisFit = 0;
        while (st.epoch < o.epochs()) {
            long t0 = System.nanoTime();
            double secondsBefore = st.epochSeconds;
            while (st.round < rounds) {
                long r0 = System.nanoTime();
                Broadcast<LocalSgd.State> start = jsc.broadcast(st.state);
                final int e = st.epoch;
                final int round = st.round;
                final double[] before = st.lossSums.clone();
                List<LocalSgd.Result> results = new ArrayList<>(shards.mapPartitionsWithIndex((p, it) -> {
                    LocalSgd.Shard shard = it.next();
                    return List.of(LocalSgd.round(plan, start.value(), shard, p, e, round, before[p])).iterator();
                }, true).collect());
                long c0 = System.nanoTime();
                results.sort(Comparator.comparingInt(LocalSgd.Result::shard));
                double maxCompute = 0;
                int steps = 0;
                for (LocalSgd.Result res : results) {
                    if (!Double.isFinite(res.lossSum())) {
                        throw new TrainingDivergedException("loss became " + res.lossSum() + " at epoch " + (e + 1) + " on partition "
                                + res.shard() + "; try a lower learningRate or set clipNorm" + (dir.isEmpty() ? "" : " (the last checkpoint is kept)"));
                    }
                    st.lossSums[res.shard()] = res.lossSum();
                    st.correct += res.correct();
                    st.seen += res.seen();
                    st.tokens += res.tokens();
                    maxCompute = Math.max(maxCompute, res.computeSeconds());
                    steps = Math.max(steps, res.steps());
                }
                LocalSgd.State next = LocalSgd.combine(st.state, results, s.combine());
                start.destroy();
                long end = System.nanoTime();
                long up = results.stream().filter(x -> x.steps() > 0).mapToLong(LocalSgd.Result::uploadBytes).sum();
                roundLog.add(new Round(e + 1, round + 1, steps, maxCompute, (end - r0) / 1e9, (end - c0) / 1e9,
                        up, (long) partitions * st.state.bytes()));
                st.state = next;
                st.round++;
                roundsThisFit++;
                if (!dir.isEmpty() && st.round < rounds && st.round % intOf(checkpointEvery) == 0) {
                    st.epochSeconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
                    st.write(dir, conf);
                }
                if (afterRound != null) afterRound.accept(roundsThisFit);
            }
            st.state.into(model.params(), adam);
            double lossSum = 0;
            for (double l : st.lossSums) lossSum += l;
            double seconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
            org.jrnn.train.Evaluation val = validation == null ? null : Trainer.evaluate(model, validation, 256);
            st.history.add(new EpochMetrics(st.epoch + 1, lossSum / st.seen, (double) st.correct / st.seen,
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), seconds, st.tokens, st.seen));
            st.startEpoch(st.epoch + 1);
            if (!dir.isEmpty()) st.write(dir, conf);
        }
        st.state.into(model.params(), adam);
        List<EpochMetrics> history = List.copyOf(st.history);
        SavedModel.Training t = new SavedModel.Training(s.presetName(), "spark: " + partitions + " partitions of batch " + batch + ", syncEvery " + s.syncEvery()
                + (lr != o.learningRate() ? ", learning rate " + (float) lr : ""),
                history.size(), o.seed(), o.batchSize(), o.learningRate(), trainRows, validation == null ? 0 : validation.size(), history);
        SavedModel saved = new SavedModel(s.spec(), vec, Math.max(s.vocab().vocabSize(), vec.size()), TextField.TITLE_AND_DESCRIPTION, names,
                model, t, SavedModel.now(), SavedModel.producerName());
        JrnnClassificationModel m = JrnnClassificationModel.fromSavedModel(saved);
        if ($(textCols).length > 0) m.setTextCols($(textCols));
        else m.setInputCol($(inputCol));
        m.setParent(this);
        return new Fitted(m, List.copyOf(roundLog));
    }

    // ------------------------------------------------------------------ save and load (params only)

    @Override
    public MLWriter write() {
        JrnnClassifier self = this;
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                DefaultParamsWriter.saveMetadata(self, path, sparkSession());
            }
        };
    }

    public static MLReader<JrnnClassifier> read() {
        return new MLReader<>() {
            @Override
            public JrnnClassifier load(String path) {
                DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, sparkSession(), JrnnClassifier.class.getName());
                JrnnClassifier c = new JrnnClassifier(meta.uid());
                meta.getAndSetParams(c, scala.Option.empty());
                return c;
            }
        };
    }

    public static JrnnClassifier load(String path) {
        return read().load(path);
    }
}
