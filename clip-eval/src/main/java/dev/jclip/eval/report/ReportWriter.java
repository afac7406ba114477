package dev.jclip.eval.report;

import dev.jclip.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.probe.FewShot;
import dev.jclip.eval.probe.LinearProbe;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

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
            written.add(writePng(Charts.confusionMatrix(r.classNames(), r.classification().confusion(), "Confusion matrix, " + what, subtitle(r)),
                    abs.resolveSibling(stem + "-confusion.png")));
            written.add(writePng(Charts.perClassAccuracy(r.classNames(), r.classification().perClassRecall(), "Per-class accuracy, " + what, subtitle(r)),
                    abs.resolveSibling(stem + "-per-class.png")));
        }
        if (r.fewShotPoints() != null) {
            written.add(writePng(Charts.fewShot(r.fewShotPoints(), r.zeroShotTop1(), r.matchingShots(),
                    Double.isNaN(r.zeroShotTop1()) ? "Few-shot linear probes" : "Few-shot linear probes against zero-shot", subtitle(r)),
                    abs.resolveSibling(stem + "-few-shot.png")));
        }
        if (r.sweep() != null) {
            written.add(writePng(Charts.accuracyVsC(r.sweep(), r.bestC(), "Linear probe: validation accuracy vs C", subtitle(r)),
                    abs.resolveSibling(stem + "-probe-c.png")));
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


    private static Path writePng(BufferedImage img, Path p) throws IOException {
        AtomicFile.write(p, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer for " + p);
        });
        return p;
    }
}
