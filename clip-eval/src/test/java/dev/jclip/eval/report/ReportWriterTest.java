package dev.jclip.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.probe.Lbfgs;
import dev.jclip.eval.probe.LinearProbe;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    @TempDir
    Path dir;

    static float[][] blobs(Random rnd, int n, int[] y, int k) {
        float[][] x = new float[n][6];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < 6; j++) x[i][j] = (float) ((j == y[i] ? 2.0 : 0.0) + 0.3 + 0.8 * rnd.nextGaussian());
        }
        return x;
    }

    @Test
    void linearProbeReportHasMetricsSettingsAndCharts() throws Exception {
        Random rnd = new Random(4);
        int[] ytr = new int[120];
        int[] yte = new int[60];
        float[][] xtr = blobs(rnd, 120, ytr, 4);
        float[][] xte = blobs(rnd, 60, yte, 4);
        List<String> names = List.of("alpha", "beta", "gamma with a long name", "delta");
        EvalReport r = Evaluations.linearProbe(xtr, ytr, xte, yte, names,
                new LinearProbe.Settings(0.25, 0, -3, 3, 1, Lbfgs.Settings.defaults()), "blobs", "raw-pixels");
        double top1 = r.metrics().get("linear_probe_top1");
        assertTrue(top1 > 0.6 && top1 <= 1.0, "top1 " + top1);

        Path json = dir.resolve("out/probe.json");
        List<Path> files = ReportWriter.writeAll(r, json);
        assertEquals(5, files.size());
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertEquals(top1, doc.get("linear_probe_top1").asDouble(), 0);
        assertEquals("blobs", doc.get("dataset").asText());
        assertEquals("raw-pixels", doc.get("model").asText());
        assertEquals(120, doc.get("settings").get("train_samples").asInt());
        assertEquals(4, doc.get("confusion_matrix").size());
        long total = 0;
        for (JsonNode row : doc.get("confusion_matrix")) for (JsonNode v : row) total += v.asLong();
        assertEquals(60, total);
        assertEquals(r.sweep().size(), doc.get("c_sweep").size());
        assertTrue(doc.get("per_class_accuracy").has("gamma with a long name"));

        String md = Files.readString(dir.resolve("out/probe.md"));
        assertTrue(md.contains("| linear_probe_top1 | " + String.format(java.util.Locale.ROOT, "%.2f %%", 100 * top1) + " |"), md);
        assertTrue(md.contains("| delta | 15 |"), md);

        BufferedImage conf = ImageIO.read(dir.resolve("out/probe-confusion.png").toFile());
        BufferedImage bars = ImageIO.read(dir.resolve("out/probe-per-class.png").toFile());
        BufferedImage sweep = ImageIO.read(dir.resolve("out/probe-probe-c.png").toFile());
        assertTrue(conf.getWidth() > 4 * 56 && conf.getHeight() > 4 * 56, conf.getWidth() + "x" + conf.getHeight());
        assertEquals(76 + 4 * 22 + 60, bars.getHeight());
        assertEquals(760, sweep.getWidth());
        assertEquals(460, sweep.getHeight());
        assertTrue(countNonWhite(conf) > conf.getWidth() * conf.getHeight() / 10, "heatmap mostly blank");
    }

    /** Many classes: labels are dropped or shrunk instead of overlapping, and sizes stay bounded. */
    @Test
    void chartsScaleToManyClasses() {
        int n = 150;
        List<String> names = new java.util.ArrayList<>();
        long[][] conf = new long[n][n];
        double[] acc = new double[n];
        for (int i = 0; i < n; i++) {
            names.add("class number " + i);
            conf[i][i] = 3;
            conf[i][(i + 1) % n] = 1;
            acc[i] = i % 2 == 0 ? 0.75 : Double.NaN;
        }
        BufferedImage c = Charts.confusionMatrix(names, conf, "Confusion matrix", "a very long subtitle ".repeat(20));
        assertTrue(c.getWidth() < 1200 && c.getHeight() < 1200, c.getWidth() + "x" + c.getHeight());
        BufferedImage b = Charts.perClassAccuracy(names, acc, "Per-class accuracy", "");
        assertEquals(76 + n * 6 + 60, b.getHeight());
    }

    @Test
    void nanBecomesNullInJson() {
        EvalReport r = new EvalReport("zeroshot", "d", "m").metric("top1", Double.NaN).metric("top5", 0.5);
        JsonNode doc = ReportWriter.json(r);
        assertTrue(doc.get("top1").isNull());
        assertEquals(0.5, doc.get("top5").asDouble());
    }

    static int countColour(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if (img.getRGB(x, y) == rgb) n++;
        return n;
    }

    static int countNonWhite(BufferedImage img) {
        return img.getWidth() * img.getHeight() - countColour(img, 0xffffffff);
    }

    @Test
    void repeatedClassNamesKeepEveryPerClassEntry() {
        var m = dev.jclip.eval.metrics.ClassificationMetrics.of(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new int[] {0, 1, 1}, 3);
        EvalReport r = new EvalReport("zeroshot", "d", "m").classification(List.of("missile", "cat", "missile"), m);
        JsonNode perClass = ReportWriter.json(r).get("per_class_accuracy");
        assertEquals(3, perClass.size());
        assertEquals(1.0, perClass.get("missile").asDouble(), 0);
        assertTrue(perClass.get("missile [2]").isNull(), "class 2 has no samples: " + perClass);
    }

    /** The few-shot chart: written beside the JSON; the red zero-shot line appears only when there is a zero-shot figure. */
    @Test
    void fewShotChartWithAndWithoutZeroShot() throws Exception {
        List<dev.jclip.eval.probe.FewShot.Point> pts = List.of(
                new dev.jclip.eval.probe.FewShot.Point(1, 0.4, 0.05, List.of()),
                new dev.jclip.eval.probe.FewShot.Point(4, 0.6, 0.02, List.of()),
                new dev.jclip.eval.probe.FewShot.Point(16, 0.8, Double.NaN, List.of()));
        EvalReport with = new EvalReport("few-shot", "d", "m").fewShot(pts, 0.5, 2.0).metric("zero_shot_top1", 0.5);
        List<Path> files = ReportWriter.writeAll(with, dir.resolve("fs.json"));
        Path png = dir.resolve("fs-few-shot.png");
        assertTrue(files.contains(png), files.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(760, img.getWidth());
        assertTrue(reds(img) > 200, "a dashed red line across the plot: " + reds(img));
        BufferedImage without = Charts.fewShot(pts, Double.NaN, Double.NaN, "t", "s");
        assertEquals(0, reds(without));
    }

    private static int reds(BufferedImage img) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) == (Charts.ZERO_SHOT.getRGB() & 0xffffff)) n++;
        }
        return n;
    }
}
