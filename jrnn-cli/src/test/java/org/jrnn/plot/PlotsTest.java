package org.jrnn.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jrnn.eval.EvaluationReport;
import org.jrnn.model.EpochMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    static BufferedImage read(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as(png + " is a PNG").isNotNull();
        return img;
    }

    /** More than a blank canvas: many distinct colours. */
    static void assertDrawn(BufferedImage img) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) colours.add(img.getRGB(x, y));
        assertThat(colours.size()).isGreaterThan(20);
    }

    @Test
    void confusionMatrixHeatMap(@TempDir Path dir) throws Exception {
        EvaluationReport r = EvaluationReport.of(List.of("World", "Sports", "Business", "Sci/Tech"),
                new long[][] {{400, 20, 30, 25}, {10, 450, 5, 10}, {40, 5, 350, 80}, {30, 10, 70, 365}}, 900);
        Path png = dir.resolve("plots/cm.png");
        Plots.confusionMatrix(r, png);
        BufferedImage img = read(png);
        assertThat(img.getWidth()).isEqualTo(120 * 4 + 260);
        assertDrawn(img);
    }

    @Test
    void trainingCurvesForOneAndManyEpochs(@TempDir Path dir) throws Exception {
        List<EpochMetrics> h = List.of(new EpochMetrics(1, 1.2, 0.45, 1.0, 0.6, 1, 1, 1),
                new EpochMetrics(2, 0.8, 0.7, 0.75, 0.72, 1, 1, 1), new EpochMetrics(3, 0.6, 0.8, Double.NaN, Double.NaN, 1, 1, 1));
        Plots.trainingCurves(h, dir.resolve("many.png"));
        BufferedImage img = read(dir.resolve("many.png"));
        assertThat(img.getWidth()).isEqualTo(1120);
        assertDrawn(img);
        Plots.trainingCurves(h.subList(0, 1), dir.resolve("one.png"));
        assertDrawn(read(dir.resolve("one.png")));
        assertThatThrownBy(() -> Plots.trainingCurves(List.of(), dir.resolve("none.png"))).hasMessageContaining("no training history");
    }
}
