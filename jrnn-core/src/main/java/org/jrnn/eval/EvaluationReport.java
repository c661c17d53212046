// The figures `jrnn evaluate` prints: loss, accuracy, per-class precision/recall/F1, macro-F1 and the
// confusion matrix, with a plain-text table and a JSON form. Plain data, computed by Evaluator.
package org.jrnn.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Classification results on one data set.
 *
 * @param confusion (K, K) counts, row = true class, column = predicted class
 * @param precision per class; 0 when the class was never predicted (scikit-learn's zero_division=0)
 * @param recall per class; 0 when the class has no samples
 * @param f1 per class, harmonic mean of precision and recall (0 when both are 0)
 * @param support samples per true class
 * @param macroF1 unweighted mean of the per-class F1
 */
public record EvaluationReport(List<String> classNames, long samples, double loss, double accuracy, long[][] confusion,
                               double[] precision, double[] recall, double[] f1, long[] support, double macroF1) {

    /** Derives every figure from the confusion matrix and the summed loss. */
    public static EvaluationReport of(List<String> classNames, long[][] confusion, double lossSum) {
        int k = classNames.size();
        long n = 0;
        long correct = 0;
        long[] support = new long[k];
        long[] predicted = new long[k];
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                n += confusion[t][p];
                support[t] += confusion[t][p];
                predicted[p] += confusion[t][p];
            }
            correct += confusion[t][t];
        }
        double[] precision = new double[k];
        double[] recall = new double[k];
        double[] f1 = new double[k];
        double f1Sum = 0;
        for (int c = 0; c < k; c++) {
            precision[c] = predicted[c] == 0 ? 0 : (double) confusion[c][c] / predicted[c];
            recall[c] = support[c] == 0 ? 0 : (double) confusion[c][c] / support[c];
            double s = precision[c] + recall[c];
            f1[c] = s == 0 ? 0 : 2 * precision[c] * recall[c] / s;
            f1Sum += f1[c];
        }
        return new EvaluationReport(List.copyOf(classNames), n, n == 0 ? Double.NaN : lossSum / n,
                n == 0 ? Double.NaN : (double) correct / n, confusion, precision, recall, f1, support, f1Sum / k);
    }

    /** The report as a text table: summary line, per-class figures, then the confusion matrix. */
    public String toTable() {
        return String.format(Locale.ROOT, "samples %,d   loss %.4f   accuracy %.4f   macro-F1 %.4f%n%n", samples, loss, accuracy, macroF1)
                + classTable("class") + confusionTable("class");
    }

    /** Per-class precision, recall, F1 and support, then the macro average; {@code what} heads the first column. */
    String classTable(String what) {
        int k = classNames.size();
        int w = Math.max(10, classNames.stream().mapToInt(String::length).max().orElse(0) + 2);
        StringBuilder sb = new StringBuilder();
        String row = "%-" + w + "s %9s %9s %9s %9s%n";
        sb.append(String.format(Locale.ROOT, row, what, "precision", "recall", "f1", "support"));
        for (int c = 0; c < k; c++) {
            sb.append(String.format(Locale.ROOT, row, classNames.get(c), f4(precision[c]), f4(recall[c]), f4(f1[c]), support[c]));
        }
        sb.append(String.format(Locale.ROOT, row, "macro avg", f4(mean(precision)), f4(mean(recall)), f4(macroF1), samples));
        return sb.toString();
    }

    /** The confusion matrix, rows the true {@code what}, columns the predicted one. */
    String confusionTable(String what) {
        int k = classNames.size();
        int w = Math.max(10, classNames.stream().mapToInt(String::length).max().orElse(0) + 2);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nconfusion matrix (rows: true %s, columns: predicted %s)%n", what, what));
        int cw = Math.max(7, classNames.stream().mapToInt(String::length).max().orElse(0) + 1);
        sb.append(String.format(Locale.ROOT, "%-" + w + "s", "true \\ pred"));
        for (String name : classNames) sb.append(String.format(Locale.ROOT, " %" + cw + "s", name));
        sb.append(System.lineSeparator());
        for (int t = 0; t < k; t++) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", classNames.get(t)));
            for (int p = 0; p < k; p++) sb.append(String.format(Locale.ROOT, " %" + cw + "d", confusion[t][p]));
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** The report as JSON-ready maps and lists (snake_case keys). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("loss", loss);
        m.put("accuracy", accuracy);
        m.put("macro_f1", macroF1);
        List<Map<String, Object>> classes = new java.util.ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", classNames.get(c));
            r.put("precision", precision[c]);
            r.put("recall", recall[c]);
            r.put("f1", f1[c]);
            r.put("support", support[c]);
            classes.add(r);
        }
        m.put("classes", classes);
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("rows", "true class");
        cm.put("columns", "predicted class");
        cm.put("labels", classNames);
        cm.put("counts", confusion);
        m.put("confusion_matrix", cm);
        return m;
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }
}
