package dev.jclip.eval.report;

import dev.jclip.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.probe.FewShot;
import dev.jclip.eval.probe.LinearProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an {@link EvalReport} as JSON (metrics at the top level by name, then {@code settings} and details),
 * as a Markdown table, and as PNG charts beside the JSON file.
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    /** The JSON document. NaN (e.g. recall of a class with no samples) is written as null. */
    public static ObjectNode json(EvalReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", r.task());
        root.put("dataset", r.dataset());
        root.put("model", r.model());
        for (Map.Entry<String, Double> e : r.metrics().entrySet()) putNumber(root, e.getKey(), e.getValue());
        root.set("settings", JSON.valueToTree(r.settings()));
        root.put("created", Instant.now().toString());
        ClassificationMetrics m = r.classification();
        if (m != null) {
            ArrayNode names = root.putArray("class_names");
            r.classNames().forEach(names::add);
            ObjectNode perClass = root.putObject("per_class_accuracy");
            for (int c = 0; c < r.classNames().size(); c++) {
                String name = r.classNames().get(c);
                // a repeated name (OpenAI's ImageNet list has two) must not overwrite the first class's entry
                putNumber(perClass, perClass.has(name) ? name + " [" + c + "]" : name, m.perClassRecall()[c]);
            }
            ArrayNode counts = root.putArray("class_counts");
            for (long n : m.classCounts()) counts.add(n);
            ArrayNode conf = root.putArray("confusion_matrix");
            for (long[] row : m.confusion()) {
                ArrayNode a = conf.addArray();
                for (long v : row) a.add(v);
            }
        }
        if (r.fewShotPoints() != null) {
            ArrayNode points = root.putArray("few_shot");
            for (FewShot.Point p : r.fewShotPoints()) {
                ObjectNode o = points.addObject();
                o.put("shots", p.shots());
                putNumber(o, "top1_mean", p.meanTop1());
                putNumber(o, "top1_std", p.stdTop1());
                ArrayNode top1 = o.putArray("top1_per_draw");
                ArrayNode c = o.putArray("C_per_draw");
                for (FewShot.Draw d : p.draws()) {
                    top1.add(d.top1());
                    c.add(d.c());
                }
            }
        }
        if (r.sweep() != null) {
            ArrayNode sweep = root.putArray("c_sweep");
            for (LinearProbe.SweepPoint p : r.sweep()) {
                ObjectNode o = sweep.addObject();
                o.put("C", p.c());
                o.put("validation_accuracy", p.validationAccuracy());
            }
        }
        return root;
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    /** Headline metrics as a Markdown table, then per-class accuracy when there is one. */
    public static String markdown(EvalReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("**").append(r.task()).append("** on `").append(r.dataset()).append("` with `").append(r.model()).append("`\n\n");
        sb.append("| metric | value |\n|---|---:|\n");
        for (Map.Entry<String, Double> e : r.metrics().entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(format(e.getKey(), e.getValue())).append(" |\n");
        }
        for (String note : r.notes()) sb.append('\n').append(note).append('\n');
        ClassificationMetrics m = r.classification();
        if (m != null && r.classNames().size() <= 100) {
            sb.append("\n| class | samples | accuracy (%) |\n|---|---:|---:|\n");
            for (int c = 0; c < r.classNames().size(); c++) {
                double acc = m.perClassRecall()[c];
                sb.append("| ").append(r.classNames().get(c).replace("|", "\\|")).append(" | ").append(m.classCounts()[c]).append(" | ")
                        .append(Double.isNaN(acc) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * acc)).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String format(String name, double v) {
        if (Double.isNaN(v)) return "-";
        if (name.endsWith("_C")) return String.format(Locale.ROOT, "%.3g", v);
        if (name.endsWith("_shots")) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }

    /**
     * Writes {@code jsonFile}, a {@code .md} beside it, and the charts that apply ({@code -confusion.png},
     * {@code -per-class.png}, {@code -probe-c.png}, {@code -few-shot.png}); every file goes to a temporary name first.
     *
     * @return the files written
     */
    public static List<Path> writeAll(EvalReport r, Path jsonFile) throws IOException {
        Path abs = jsonFile.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        String stem = abs.getFileName().toString().replaceFirst("\\.json$", "");
        List<Path> written = new ArrayList<>();
        AtomicFile.writeString(abs, JSON.writeValueAsString(json(r)) + "\n");
        written.add(abs);
        Path md = abs.resolveSibling(stem + ".md");
        AtomicFile.writeString(md, markdown(r));
        written.add(md);
        if (r.classification() != null) {
            String what = r.task().equals("linear-probe") ? "linear probe" : r.task().equals("zeroshot") ? "zero-shot" : r.task();
            written.add(confusionChart(r, "Confusion matrix, " + what).writePng(abs.resolveSibling(stem + "-confusion.png")));
            written.add(perClassChart(r, "Per-class accuracy, " + what).writePng(abs.resolveSibling(stem + "-per-class.png")));
        }
        if (r.fewShotPoints() != null) {
            written.add(fewShotChart(r).writePng(abs.resolveSibling(stem + "-few-shot.png")));
        }
        if (r.sweep() != null) {
            written.add(probeChart(r).writePng(abs.resolveSibling(stem + "-probe-c.png")));
        }
        return written;
    }

    /** "model on dataset", the dataset's path reduced to its last two parts (views keep their [subset] note). */
    private static String subtitle(EvalReport r) {
        String d = r.dataset().replace('\\', '/');
        int bracket = d.indexOf(" [");
        String path = bracket < 0 ? d : d.substring(0, bracket);
        String note = bracket < 0 ? "" : d.substring(bracket);
        String[] parts = path.split("/");
        String shortPath = parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : path;
        String m = r.model().replace('\\', '/');
        return m.substring(m.lastIndexOf('/') + 1) + " on " + shortPath + note;
    }

    /** Rows are true classes, columns predictions, coloured by the share of the row. */
    static Chart confusionChart(EvalReport r, String title) {
        return Chart.heatmap(title, "predicted", "true class", r.classNames(), r.classification().confusion()).subtitle(subtitle(r));
    }

    /** One bar per class: its top-1 accuracy in percent. */
    static Chart perClassChart(EvalReport r, String title) {
        double[] recall = r.classification().perClassRecall();
        double[] pct = new double[recall.length];
        for (int i = 0; i < pct.length; i++) pct[i] = 100 * recall[i];
        return Chart.bars(title, "accuracy (top-1, %)", r.classNames(), pct, 100).subtitle(subtitle(r));
    }

    /** The zero-shot reference line's colour in the few-shot chart. */
    static final java.awt.Color ZERO_SHOT = new java.awt.Color(204, 0, 0);

    /**
     * Few-shot probe accuracy against examples per class (log2 axis, as the paper's Figure 6): the mean over draws
     * with error bars of one standard deviation, and zero-shot as a dashed horizontal line with the matching shot
     * count marked (when there is one).
     */
    public static Chart fewShotChart(EvalReport r) {
        List<FewShot.Point> points = r.fewShotPoints();
        double[] shots = points.stream().mapToDouble(FewShot.Point::shots).toArray();
        double[] mean = points.stream().mapToDouble(p -> 100 * p.meanTop1()).toArray();
        double[] sd = points.stream().mapToDouble(p -> 100 * p.stdTop1()).toArray();
        double zeroShot = r.zeroShotTop1();
        Chart.Line line = Chart.line(Double.isNaN(zeroShot) ? "Few-shot linear probes" : "Few-shot linear probes against zero-shot",
                        "labelled examples per class (log scale); bars: one standard deviation over draws", "test top-1 (%)")
                .seriesWithErrors("few-shot probe", shots, mean, sd, new java.awt.Color(52, 101, 164)).logX(2);
        if (!Double.isNaN(zeroShot)) {
            double match = r.matchingShots();
            line.level(100 * zeroShot, String.format(Locale.ROOT, "zero-shot %.1f %%", 100 * zeroShot)
                    + (Double.isNaN(match) ? "" : String.format(Locale.ROOT, ", matched at %.2f per class", match)), ZERO_SHOT);
            if (!Double.isNaN(match)) line.marker(match, "", ZERO_SHOT);
        }
        return line.size(760, 460).subtitle(subtitle(r));
    }

    /** The linear probe's validation accuracy against C (log axis), the chosen C marked. */
    static Chart probeChart(EvalReport r) {
        double[] c = r.sweep().stream().mapToDouble(LinearProbe.SweepPoint::c).toArray();
        double[] acc = r.sweep().stream().mapToDouble(p -> 100 * p.validationAccuracy()).toArray();
        return Chart.line("Linear probe: validation accuracy vs C", "C (inverse regularisation)", "validation accuracy (%)")
                .series("validation", c, acc, new java.awt.Color(52, 101, 164), 2f).points().logX()
                .marker(r.bestC(), String.format(Locale.ROOT, "chosen C = %.3g", r.bestC()))
                .size(760, 460).subtitle(subtitle(r));
    }
}
