// PNG charts for `jrnn evaluate --plots DIR`, drawn with XChart in memory (headless) and written
// atomically: the confusion matrix as a heat map with counts, and the training curves (loss and
// accuracy per epoch, train vs validation) from the history saved in the model file.
package org.jrnn.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jrnn.eval.EvaluationReport;
import org.jrnn.files.AtomicFiles;
import org.jrnn.model.EpochMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes evaluation charts as PNG files. */
public final class Plots {
    public static final String CONFUSION_MATRIX = "confusion_matrix.png";
    public static final String TRAINING_CURVES = "training_curves.png";

    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color VALIDATION = new Color(255, 127, 14);

    static {
        System.setProperty("java.awt.headless", "true"); // no display needed; must precede the first AWT use
    }

    private Plots() {}

    /** Heat map of the confusion matrix with the count in each cell; true class top to bottom. */
    public static void confusionMatrix(EvaluationReport r, Path png) throws IOException {
        int k = r.classNames().size();
        HeatMapChart chart = new HeatMapChartBuilder().width(120 * k + 260).height(110 * k + 170)
                .title(String.format(Locale.ROOT, "Confusion matrix  (accuracy %.3f, macro-F1 %.3f, n=%,d)", r.accuracy(), r.macroF1(), r.samples()))
                .xAxisTitle("Predicted class").yAxisTitle("True class").build();
        var st = chart.getStyler();
        st.setShowValue(true);
        st.setValueFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setValueFontColor(Color.BLACK);
        st.setHeatMapValueDecimalPattern("#,##0");
        st.setRangeColors(new Color[] {new Color(247, 251, 255), new Color(158, 202, 225), new Color(66, 146, 198)});
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setLegendVisible(true);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setDrawBorder(true);
        st.setPlotGridLinesVisible(false);
        List<String> x = r.classNames();
        List<String> y = new ArrayList<>(x);
        java.util.Collections.reverse(y); // the first class at the top, as in a printed matrix
        List<Number[]> cells = new ArrayList<>();
        long max = 1;
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - t, r.confusion()[t][p]});
                max = Math.max(max, r.confusion()[t][p]);
            }
        }
        st.setMin(0);
        st.setMax(max);
        chart.addSeries("count", x, y, cells);
        writePng(BitmapEncoder.getBufferedImage(chart), png);
    }

    /**
     * Loss (left) and accuracy (right) per epoch, training vs validation.
     *
     * @throws IllegalArgumentException if the history is empty
     */
    public static void trainingCurves(List<EpochMetrics> history, Path png) throws IOException {
        if (history.isEmpty()) throw new IllegalArgumentException("no training history to plot");
        XYChart loss = curves(history, "Loss", true);
        XYChart acc = curves(history, "Accuracy", false);
        BufferedImage a = BitmapEncoder.getBufferedImage(loss);
        BufferedImage b = BitmapEncoder.getBufferedImage(acc);
        BufferedImage both = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), 0, null);
        g.dispose();
        writePng(both, png);
    }

    private static XYChart curves(List<EpochMetrics> history, String what, boolean isLoss) {
        XYChart c = new XYChartBuilder().width(560).height(420).title(what + " per epoch").xAxisTitle("Epoch").yAxisTitle(what).build();
        var st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(isLoss ? Styler.LegendPosition.InsideNE : Styler.LegendPosition.InsideSE);
        st.setMarkerSize(8);
        st.setXAxisDecimalPattern("0");
        st.setYAxisDecimalPattern(isLoss ? "0.00" : "0.000");
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (history.size() > 1) st.setXAxisTickMarkSpacingHint(Math.max(40, 400 / history.size()));
        List<Double> epochs = new ArrayList<>();
        List<Double> train = new ArrayList<>();
        List<Double> epochsVal = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        for (EpochMetrics e : history) {
            epochs.add((double) e.epoch());
            train.add(isLoss ? e.loss() : e.accuracy());
            double v = isLoss ? e.valLoss() : e.valAccuracy();
            if (Double.isFinite(v)) {
                epochsVal.add((double) e.epoch());
                val.add(v);
            }
        }
        if (history.size() == 1) { // one point: widen the x range so the marker is not on the edge
            st.setXAxisMin(0.5);
            st.setXAxisMax(1.5);
        }
        XYSeries t = c.addSeries("train", epochs, train);
        t.setLineColor(TRAIN);
        t.setMarkerColor(TRAIN);
        t.setMarker(SeriesMarkers.CIRCLE);
        if (!val.isEmpty()) {
            XYSeries v = c.addSeries("validation", epochsVal, val);
            v.setLineColor(VALIDATION);
            v.setMarkerColor(VALIDATION);
            v.setMarker(SeriesMarkers.DIAMOND);
        }
        return c;
    }

    private static void writePng(BufferedImage image, Path png) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG writer available");
        AtomicFiles.write(png, bytes.toByteArray());
    }
}
