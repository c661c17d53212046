// spark-submit entry point for batch scoring: read a CSV/Parquet/JSON path, add jrnn's prediction columns,
// write the result. Arguments are parsed by hand (no picocli on the cluster's classpath); a bad argument or
// input is one line on stderr and exit code 2, as the jrnn CLI does.
package org.jrnn.spark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.jrnn.errors.UserInputException;

/**
 * {@code spark-submit --class org.jrnn.spark.Score jrnn-spark.jar --model m.jrnn --input PATH --output PATH
 * --text-column text [--text-column more] [--format csv|parquet|json] [--no-header] [--overwrite]}.
 *
 * <p>The output keeps the input's columns and adds {@code prediction}, {@code predictedLabel} and the
 * probabilities: an array column {@code probability} in Parquet and JSON, one {@code probability_<class>}
 * column per class in CSV (CSV has no arrays).
 */
public final class Score {
    private Score() {}

    static final String USAGE = "usage: Score --model FILE.jrnn --input PATH --output PATH --text-column NAME [--text-column NAME...]"
            + " [--format csv|parquet|json] [--output-format csv|parquet|json] [--no-header] [--overwrite] [--partitions N]";

    /** Parsed arguments. */
    record Args(String model, String input, String output, List<String> textColumns, String format, String outputFormat,
                boolean header, boolean overwrite, int partitions) {
        static Args parse(String[] a) {
            String model = null;
            String input = null;
            String output = null;
            String format = null;
            String outputFormat = null;
            boolean header = true;
            boolean overwrite = false;
            int partitions = 0;
            List<String> cols = new ArrayList<>();
            for (int i = 0; i < a.length; i++) {
                String flag = a[i];
                switch (flag) {
                    case "--no-header" -> header = false;
                    case "--overwrite" -> overwrite = true;
                    case "--model", "--input", "--output", "--text-column", "--format", "--output-format", "--partitions" -> {
                        if (i + 1 >= a.length) throw new UserInputException(flag + " needs a value; " + USAGE);
                        String v = a[++i];
                        switch (flag) {
                            case "--model" -> model = v;
                            case "--input" -> input = v;
                            case "--output" -> output = v;
                            case "--text-column" -> cols.add(v);
                            case "--format" -> format = format(v, flag);
                            case "--output-format" -> outputFormat = format(v, flag);
                            default -> partitions = positive(v, flag);
                        }
                    }
                    default -> throw new UserInputException("unknown argument '" + flag + "'; " + USAGE);
                }
            }
            if (model == null) throw new UserInputException("--model is required; " + USAGE);
            if (input == null) throw new UserInputException("--input is required; " + USAGE);
            if (output == null) throw new UserInputException("--output is required; " + USAGE);
            if (cols.isEmpty()) throw new UserInputException("--text-column is required; " + USAGE);
            if (format == null) format = guessFormat(input);
            if (outputFormat == null) outputFormat = format;
            return new Args(model, input, output, List.copyOf(cols), format, outputFormat, header, overwrite, partitions);
        }

        private static String format(String v, String flag) {
            String f = v.toLowerCase(Locale.ROOT);
            if (!List.of("csv", "parquet", "json").contains(f)) {
                throw new UserInputException(flag + " must be csv, parquet or json, received: " + v);
            }
            return f;
        }

        private static int positive(String v, String flag) {
            try {
                int n = Integer.parseInt(v);
                if (n >= 1) return n;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UserInputException(flag + " must be a whole number >= 1, received: " + v);
        }

        private static String guessFormat(String path) {
            String p = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
            if (p.endsWith(".parquet")) return "parquet";
            if (p.endsWith(".json") || p.endsWith(".jsonl")) return "json";
            return "csv";
        }
    }

    public static void main(String[] args) {
        SparkSession spark = null;
        int code;
        try {
            Args a = Args.parse(args); // before Spark starts: a typo costs no cluster time
            spark = SparkSession.builder().appName("jrnn score").getOrCreate();
            code = run(a, spark, System.out, System.err);
        } catch (UserInputException e) {
            System.err.println("jrnn-spark: error: " + e.getMessage());
            code = 2;
        } finally {
            if (spark != null) spark.stop();
        }
        if (code != 0) System.exit(code);
    }

    /** Scores {@code a.input()} into {@code a.output()}; returns the exit code (0, or 2 for a bad input). */
    static int run(Args a, SparkSession spark, PrintStream out, PrintStream err) {
        try {
            long t0 = System.nanoTime();
            JrnnClassificationModel model = JrnnClassificationModel.fromFile(a.model())
                    .setTextCols(a.textColumns().toArray(String[]::new)).setRawPredictionCol("");
            Dataset<Row> in = read(spark, a);
            if (a.partitions() > 0) in = in.repartition(a.partitions());
            Dataset<Row> scored = model.transform(in);
            Column prob = org.apache.spark.ml.functions.vector_to_array(functions.col("probability"), "float64");
            if (a.outputFormat().equals("csv")) {
                List<String> classes = model.classNames();
                for (int k = 0; k < classes.size(); k++) {
                    scored = scored.withColumn("probability_" + classes.get(k), prob.getItem(k));
                }
                scored = scored.drop("probability");
            } else {
                scored = scored.withColumn("probability", prob);
            }
            var w = scored.write().mode(a.overwrite() ? "overwrite" : "errorifexists").format(a.outputFormat());
            if (a.outputFormat().equals("csv")) w = w.option("header", "true").option("escape", "\"");
            w.save(a.output());
            long rows = spark.read().format(a.outputFormat()).option("header", "true").load(a.output()).count();
            out.printf("scored %,d rows into %s (%s) in %.1f s%n", rows, a.output(), a.outputFormat(), (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (UserInputException e) {
            err.println("jrnn-spark: error: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // Scala throws AnalysisException (checked in Java) undeclared: Spark's own wording for a
            // missing path or an existing output, on one line.
            if (!(e instanceof org.apache.spark.sql.AnalysisException ae)) throw new IllegalStateException(e);
            err.println("jrnn-spark: error: " + UserInputException.oneLine(ae.getSimpleMessage()));
            return 2;
        }
    }

    private static Dataset<Row> read(SparkSession spark, Args a) {
        DataFrameReader r = spark.read().format(a.format());
        // RFC 4180 quoting (a doubled quote inside a field), as jrnn's own CSV reader and AG News use.
        if (a.format().equals("csv")) r = r.option("header", String.valueOf(a.header())).option("escape", "\"");
        return r.load(a.input());
    }
}
