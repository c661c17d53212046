// A trained jrnn classifier as a Spark ML Model: text column(s) in, Spark ML's prediction columns out.
// The .jrnn bytes are broadcast once per model; each executor JVM parses them once (ModelBytes' cache)
// and scores each partition in chunks of Classifier.BATCH_SIZE rows, so the Classifier packs or
// length-buckets them itself. Not a trainer: JrnnClassifier fits one of these.
package org.jrnn.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.SavedModel;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Prediction;

/**
 * Scores texts with a {@code .jrnn} model.
 *
 * <pre>{@code
 * JrnnClassificationModel m = JrnnClassificationModel.fromFile("hdfs:///models/news.jrnn").setInputCol("text");
 * Dataset<Row> scored = m.transform(df);   // + prediction, probability, rawPrediction, predictedLabel
 * }</pre>
 *
 * <p>Input: {@code inputCol}, or {@code textCols} joined with one space in the given order (AG News'
 * title + description, as jrnn's training data joins them); a null cell counts as empty text. Output
 * columns, each left out when its name is set to "": {@code predictionCol} (double class index),
 * {@code probabilityCol} (softmax, ml Vector), {@code rawPredictionCol} (natural log of each probability,
 * i.e. the logits shifted by a per-row constant; ml Vector) and {@code predictedLabelCol} (class name).
 * A row's result never depends on the other rows of its partition.
 */
public final class JrnnClassificationModel extends Model<JrnnClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** The file name of the model inside a saved stage's folder. */
    static final String MODEL_FILE = "model.jrnn";

    private final String uid;
    private final byte[] modelBytes;
    private final String sha256;
    private transient SavedModel parsed;
    private transient Broadcast<byte[]> broadcast;

    public final Param<String> inputCol;
    public final StringArrayParam textCols;
    public final Param<String> predictionCol;
    public final Param<String> probabilityCol;
    public final Param<String> rawPredictionCol;
    public final Param<String> predictedLabelCol;

    public JrnnClassificationModel(String uid, byte[] modelBytes) {
        this(uid, modelBytes, null);
    }

    /** {@code parsed}, when given, is {@code modelBytes} already parsed (copies share it: a model never changes). */
    private JrnnClassificationModel(String uid, byte[] modelBytes, SavedModel parsed) {
        this.uid = uid; // before the params: each names its parent by uid
        this.inputCol = new Param<>(this, "inputCol", "the text column (ignored when textCols is set)");
        this.predictionCol = new Param<>(this, "predictionCol", "predicted class index (double); \"\" = leave out");
        this.probabilityCol = new Param<>(this, "probabilityCol", "class probabilities (Vector); \"\" = leave out");
        this.rawPredictionCol = new Param<>(this, "rawPredictionCol", "log-probabilities (Vector); \"\" = leave out");
        this.predictedLabelCol = new Param<>(this, "predictedLabelCol", "predicted class name (string); \"\" = leave out");
        this.textCols = new StringArrayParam(this, "textCols", "text columns joined with a space, in order (e.g. title, description)");
        this.modelBytes = modelBytes.clone();
        this.sha256 = ModelBytes.sha256(this.modelBytes);
        this.parsed = parsed != null ? parsed : ModelBytes.parse(this.modelBytes, "model " + uid);
        setDefault(inputCol, "text");
        setDefault(textCols, new String[0]);
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(predictedLabelCol, "predictedLabel");
    }

    /** Reads a {@code .jrnn} file from any Hadoop-compatible path (local, hdfs://, s3a://...). */
    public static JrnnClassificationModel fromFile(String path) {
        SparkSession s = SparkSession.active();
        return new JrnnClassificationModel(newUid(), ModelBytes.read(path, s.sparkContext().hadoopConfiguration()));
    }

    /** Wraps a model held in memory (for example one just trained). */
    public static JrnnClassificationModel fromSavedModel(SavedModel m) {
        return new JrnnClassificationModel(newUid(), ModelBytes.toBytes(m));
    }

    static String newUid() {
        return "jrnn_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    // ------------------------------------------------------------------ params

    public JrnnClassificationModel setInputCol(String c) {
        set(inputCol, c);
        return this;
    }

    public JrnnClassificationModel setTextCols(String... cols) {
        set(textCols, cols);
        return this;
    }

    public JrnnClassificationModel setPredictionCol(String c) {
        set(predictionCol, c);
        return this;
    }

    public JrnnClassificationModel setProbabilityCol(String c) {
        set(probabilityCol, c);
        return this;
    }

    public JrnnClassificationModel setRawPredictionCol(String c) {
        set(rawPredictionCol, c);
        return this;
    }

    public JrnnClassificationModel setPredictedLabelCol(String c) {
        set(predictedLabelCol, c);
        return this;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public StringArrayParam textCols() {
        return textCols;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    public Param<String> predictedLabelCol() {
        return predictedLabelCol;
    }

    // ------------------------------------------------------------------ the model

    /** The parsed model (architecture, vocabulary, class names, training history). */
    public SavedModel savedModel() {
        if (parsed == null) parsed = ModelBytes.parse(modelBytes, "model " + uid);
        return parsed;
    }

    public List<String> classNames() {
        return savedModel().classNames();
    }

    public int numClasses() {
        return classNames().size();
    }

    /** The {@code .jrnn} file's bytes. */
    public byte[] modelBytes() {
        return modelBytes.clone();
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public JrnnClassificationModel copy(ParamMap extra) {
        JrnnClassificationModel c = new JrnnClassificationModel(uid, modelBytes, savedModel());
        return copyValues(c, extra).setParent(parent());
    }

    /** The input columns as configured: textCols if set, else inputCol. */
    List<String> inputColumns() {
        String[] cols = $(textCols);
        if (cols.length > 0) return List.of(cols);
        return List.of($(inputCol));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        for (String c : inputColumns()) {
            if (!Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new InvalidOptionException(TextColumns.missing(c, schema));
            }
            if (!schema.apply(c).dataType().equals(DataTypes.StringType)) {
                throw new InvalidOptionException("text column '" + c + "' must be a string, received: " + schema.apply(c).dataType().simpleString());
            }
        }
        return withOutputs(schema, $(predictionCol), $(probabilityCol), $(rawPredictionCol), $(predictedLabelCol));
    }

    /** {@code schema} plus the output columns with these names ("" = left out). */
    static StructType withOutputs(StructType schema, String prediction, String probability, String rawPrediction, String predictedLabel) {
        StructType out = schema;
        out = add(out, prediction, DataTypes.DoubleType);
        out = add(out, probability, SQLDataTypes.VectorType());
        out = add(out, rawPrediction, SQLDataTypes.VectorType());
        out = add(out, predictedLabel, DataTypes.StringType);
        return out;
    }

    private static StructType add(StructType s, String name, org.apache.spark.sql.types.DataType type) {
        if (name.isEmpty()) return s;
        if (Arrays.asList(s.fieldNames()).contains(name)) {
            throw new InvalidOptionException("output column '" + name + "' already exists; choose another name or drop it first");
        }
        return s.add(new StructField(name, type, false, org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        Dataset<Row> df = dataset.toDF();
        List<String> cols = inputColumns();
        int[] textIdx = new int[cols.size()];
        for (int i = 0; i < textIdx.length; i++) textIdx[i] = df.schema().fieldIndex(cols.get(i));
        boolean[] outputs = {!$(predictionCol).isEmpty(), !$(probabilityCol).isEmpty(), !$(rawPredictionCol).isEmpty(),
                !$(predictedLabelCol).isEmpty()};
        return df.mapPartitions(new Scorer(broadcast(df.sparkSession()), sha256, textIdx, outputs), Encoders.row(outSchema));
    }

    private synchronized Broadcast<byte[]> broadcast(SparkSession s) {
        if (broadcast == null) broadcast = JavaSparkContext.fromSparkContext(s.sparkContext()).broadcast(modelBytes);
        return broadcast;
    }

    /** Runs on executors: the JVM's cached Classifier, rows read and scored in chunks, never the whole partition at once. */
    static final class Scorer implements MapPartitionsFunction<Row, Row>, Serializable {
        private static final long serialVersionUID = 1L;
        private final Broadcast<byte[]> bytes;
        private final String sha256;
        private final int[] textIdx;
        private final boolean[] outputs;

        Scorer(Broadcast<byte[]> bytes, String sha256, int[] textIdx, boolean[] outputs) {
            this.bytes = bytes;
            this.sha256 = sha256;
            this.textIdx = textIdx;
            this.outputs = outputs;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            Classifier classifier = ModelBytes.classifier(sha256, bytes::value);
            return new Iterator<>() {
                private List<Row> rows = List.of();
                private List<Prediction> predictions = List.of();
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < rows.size()) return true;
                    if (!input.hasNext()) return false;
                    List<Row> chunk = new ArrayList<>(Classifier.BATCH_SIZE);
                    List<String> texts = new ArrayList<>(Classifier.BATCH_SIZE);
                    while (chunk.size() < Classifier.BATCH_SIZE && input.hasNext()) {
                        Row r = input.next();
                        chunk.add(r);
                        texts.add(TextColumns.join(r, textIdx));
                    }
                    rows = chunk;
                    predictions = classifier.predictBatch(texts);
                    next = 0;
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    Row r = rows.get(next);
                    Prediction p = predictions.get(next++);
                    return withPrediction(r, p, outputs);
                }
            };
        }
    }

    static Row withPrediction(Row r, Prediction p, boolean[] outputs) {
        int n = r.size();
        Object[] values = new Object[n + 4];
        for (int i = 0; i < n; i++) values[i] = r.get(i);
        int o = n;
        double[] probs = new double[p.probabilities().size()];
        for (int k = 0; k < probs.length; k++) probs[k] = p.probabilities().get(k);
        if (outputs[0]) values[o++] = (double) p.labelIndex();
        if (outputs[1]) values[o++] = Vectors.dense(probs);
        if (outputs[2]) {
            double[] raw = new double[probs.length];
            for (int k = 0; k < raw.length; k++) raw[k] = Math.log(probs[k]);
            values[o++] = Vectors.dense(raw);
        }
        if (outputs[3]) values[o++] = p.label();
        return RowFactory.create(Arrays.copyOf(values, o));
    }

    // ------------------------------------------------------------------ save and load

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** Spark ML's reader, found by PipelineModel.load through this static method. */
    public static MLReader<JrnnClassificationModel> read() {
        return new Reader();
    }

    /** Loads a stage saved with {@code write().save(path)}. */
    public static JrnnClassificationModel load(String path) {
        return read().load(path);
    }

    /** Params as Spark's DefaultParamsWriter writes them ({@code metadata/}), plus the .jrnn file itself. */
    static final class Writer extends MLWriter {
        private final JrnnClassificationModel model;

        Writer(JrnnClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sparkSession());
            ModelBytes.write(new org.apache.hadoop.fs.Path(path, MODEL_FILE).toString(), model.modelBytes, sc().hadoopConfiguration());
        }
    }

    static final class Reader extends MLReader<JrnnClassificationModel> {
        @Override
        public JrnnClassificationModel load(String path) {
            DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, sparkSession(), JrnnClassificationModel.class.getName());
            byte[] bytes = ModelBytes.read(new org.apache.hadoop.fs.Path(path, MODEL_FILE).toString(), sc().hadoopConfiguration());
            JrnnClassificationModel m = new JrnnClassificationModel(meta.uid(), bytes);
            meta.getAndSetParams(m, scala.Option.empty());
            return m;
        }
    }

    @Override
    public String toString() {
        return "JrnnClassificationModel(uid=" + uid + ", classes=" + numClasses() + ", " + savedModel().architecture().layers().size() + " layers)";
    }
}
