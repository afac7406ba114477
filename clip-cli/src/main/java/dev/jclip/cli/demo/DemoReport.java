package dev.jclip.cli.demo;

import dev.jclip.core.io.AtomicFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.report.Chart;
import java.awt.Color;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's outputs for people: the metrics table (console and {@code demo-metrics.json}) with chance levels,
 * and {@code report.html}, one self-contained page (inline CSS, SVG charts, images as data URIs).
 */
public final class DemoReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper SNAKE = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** What the run was: shown at the top of the report and stored in the metrics JSON. */
    record RunInfo(String model, long parameters, int vocabSize, long steps, int batchSize, long samplesSeen, double finalLoss,
                   int trainEmoji, long trainPairs, int heldOutImages, String trainSet, String heldOutSet,
                   double trainMinutes, double totalMinutes, long seed) {
    }

    private DemoReport() {
    }

    /** The headline figures with what chance achieves. */
    static List<MetricRow> rows(DemoEvaluation.Results r) {
        List<MetricRow> rows = new ArrayList<>();
        ClassificationMetrics zs = r.zeroShot().classification();
        int c = zs.numClasses();
        long largest = 0;
        for (long n : zs.classCounts()) largest = Math.max(largest, n);
        String zsTask = "zero-shot subcategory (" + c + " classes)";
        rows.add(new MetricRow(zsTask, "top-1", "zeroshot_top1", zs.top1(), 1.0 / c, String.format(Locale.ROOT,
                "1/%d; largest class %.1f%%", c, 100.0 * largest / zs.count())));
        rows.add(new MetricRow(zsTask, "top-5", "zeroshot_top5", zs.top5(), Math.min(1, 5.0 / c), "5/" + c));
        rows.add(new MetricRow(zsTask, "mean per-class recall", "zeroshot_mean_per_class_recall", zs.meanPerClassRecall(), 1.0 / c, "1/" + c));
        int n = ((Number) r.retrieval().settings().get("num_images")).intValue();
        int texts = ((Number) r.retrieval().settings().get("num_captions")).intValue();
        for (String dir : List.of("image_to_text", "text_to_image")) {
            int pool = dir.equals("image_to_text") ? texts : n;
            String task = (dir.equals("image_to_text") ? "image → name" : "name → image") + " retrieval (" + pool + " candidates)";
            for (int k : new int[] {1, 5, 10}) {
                rows.add(new MetricRow(task, "recall@" + k, dir + "_R@" + k, r.retrieval().metrics().get(dir + "_R@" + k),
                        Math.min(1, (double) k / pool), k + "/" + pool));
            }
        }
        ClassificationMetrics pm = r.probeModel().classification();
        long probeLargest = 0;
        for (long x : pm.classCounts()) probeLargest = Math.max(probeLargest, x);
        double probeChance = (double) probeLargest / pm.count();
        String probeHow = "largest class of the test half";
        rows.add(new MetricRow("linear probe, subcategory (test half)", "top-1, CLIP image features (" + r.probeFeatures().label() + ")",
                "linear_probe_top1",
                pm.top1(), probeChance, probeHow));
        rows.add(new MetricRow("linear probe, subcategory (test half)", "top-1, raw pixels " + DemoEvaluation.PIXEL_SIZE + "x"
                + DemoEvaluation.PIXEL_SIZE, "linear_probe_pixels_top1", r.probePixels().classification().top1(), probeChance, probeHow));
        validationRows(rows, r.validation(), r.probeFeatures(), "validation", "training", c, probeHow);
        validationRows(rows, r.styleValidation(), r.probeFeatures(), "validation_style", "third", c, probeHow);
        return rows;
    }

    /**
     * The rows of one validation split (none when it was skipped), keyed {@code <key>_zeroshot_top1} and so on; the
     * probes on the other kinds of CLIP features than {@code features} as {@code <key>_linear_probe_<kind>_top1}.
     */
    private static void validationRows(List<MetricRow> rows, DemoEvaluation.Validation v, ModelEncoder.ImageFeatures features,
                                       String key, String which, int c, String probeHow) {
        if (v == null) return;
        ClassificationMetrics vz = v.zeroShot().classification();
        String task = "validation (unseen emoji, " + which + " style: " + v.style() + ", " + vz.count() + " images)";
        rows.add(new MetricRow(task, "zero-shot top-1", key + "_zeroshot_top1", vz.top1(), 1.0 / c, "1/" + c));
        rows.add(new MetricRow(task, "zero-shot top-5", key + "_zeroshot_top5", vz.top5(), Math.min(1, 5.0 / c), "5/" + c));
        rows.add(new MetricRow(task, "probe top-1, CLIP image features (" + features.label() + ")", key + "_linear_probe_top1",
                v.probeModel().classification().top1(), v.probeChance(), probeHow));
        v.probeOthers().forEach((kind, probe) -> rows.add(new MetricRow(task, "probe top-1, CLIP image features (" + kind.label() + ")",
                key + "_linear_probe_" + kind.label().replace('-', '_') + "_top1", probe.classification().top1(), v.probeChance(), probeHow)));
        rows.add(new MetricRow(task, "probe top-1, raw pixels " + DemoEvaluation.PIXEL_SIZE + "x" + DemoEvaluation.PIXEL_SIZE,
                key + "_linear_probe_pixels_top1", v.pixelTop1(), v.probeChance(), probeHow));
    }

    /** The metrics table for the console. */
    static String table(List<MetricRow> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-60s %-40s %8s %8s%n", "task", "metric", "model", "chance"));
        String last = "";
        for (MetricRow m : rows) {
            sb.append(String.format(Locale.ROOT, "%-60s %-40s %7.1f%% %7.1f%%%n", m.task().equals(last) ? "" : m.task(), m.metric(),
                    100 * m.value(), 100 * m.chance()));
            last = m.task();
        }
        return sb.toString();
    }

    /** {@code demo-metrics.json}: every figure by key, with its chance level, and the run's description. */
    static void writeJson(Path file, List<MetricRow> rows, RunInfo info) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode metrics = root.putObject("metrics");
        ObjectNode chance = root.putObject("chance");
        for (MetricRow m : rows) {
            metrics.put(m.key(), m.value());
            chance.put(m.key(), m.chance());
        }
        root.set("run", SNAKE.valueToTree(info));
        AtomicFile.writeString(file, JSON.writeValueAsString(root) + "\n");
    }

    /** Writes {@code report.html}. */
    static void writeHtml(Path file, Path metricsJsonl, DemoEvaluation.Results r, List<MetricRow> rows, RunInfo info,
                          Path fullConfusionPng) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>jclip demo report</title>\n<style>\n")
                .append(CSS).append("</style></head><body>\n");
        h.append("<h1>jclip demo: CLIP trained on emoji</h1>\n");
        h.append(String.format(Locale.ROOT, "<p class=\"lead\">A %s CLIP model (%s parameters, %d-token vocabulary) was trained for %d steps of %d"
                        + " pairs (%s pairs seen, %.1f minutes) on <b>%d %s-style emoji</b> (%s image-caption pairs). It is evaluated on the"
                        + " <b>%d %s-style drawings</b> of the same emoji: images it never saw, in a style it never saw.</p>\n",
                esc(info.model()), grouped(info.parameters()), info.vocabSize(), info.steps(), info.batchSize(), grouped(info.samplesSeen()),
                info.trainMinutes(), info.trainEmoji(), esc(info.trainSet()), grouped(info.trainPairs()), info.heldOutImages(), esc(info.heldOutSet())));

        h.append("<h2>Held-out results</h2>\n<table class=\"metrics\"><tr><th>task</th><th>metric</th><th>model</th><th>chance</th><th></th></tr>\n");
        String last = "";
        for (MetricRow m : rows) {
            double ratio = m.chance() > 0 ? m.value() / m.chance() : Double.NaN;
            h.append("<tr").append(m.task().equals(last) ? "" : " class=\"first\"").append("><td>")
                    .append(m.task().equals(last) ? "" : esc(m.task())).append("</td><td>").append(esc(m.metric())).append("</td>")
                    .append(String.format(Locale.ROOT, "<td class=\"num\"><b>%.1f%%</b></td><td class=\"num\">%.1f%% <span class=\"how\">(%s)</span></td>",
                            100 * m.value(), 100 * m.chance(), esc(m.chanceHow())))
                    .append("<td class=\"vis\"><div class=\"bar\"><div class=\"chance\" style=\"width:").append(pct(m.chance()))
                    .append("\"></div><div class=\"val\" style=\"width:").append(pct(m.value())).append("\"></div></div>")
                    .append(Double.isFinite(ratio) && ratio >= 1.5 ? String.format(Locale.ROOT, "<span class=\"how\">%.0f&times; chance</span>", ratio) : "")
                    .append("</td></tr>\n");
            last = m.task();
        }
        h.append("</table>\n<p class=\"note\">Bars: dark = model, light = chance. Zero-shot classes are emoji-datasource's subcategories, each"
                + " described by a prompt ensemble (").append(esc(String.join(" | ", r.prompts())))
                .append("). Retrieval candidates are the captions \"an emoji of &lt;name&gt;\". Linear probes: logistic regression with"
                        + " C chosen on a validation split, fitted on half of each subcategory and tested on the other half.</p>\n");

        h.append("<h2>Training</h2>\n<div class=\"row\">");
        Curves curves = Curves.read(metricsJsonl);
        h.append(img(Chart.line("Contrastive loss", "step", "loss")
                .series("per step", curves.steps, curves.loss, new Color(0xb8c7e0), 1f)
                .series("moving average", curves.steps, movingAverage(curves.loss, Math.max(1, curves.loss.length / 25)), new Color(0x1f4e99), 2.2f)
                .size(560, 300), "Contrastive loss"));
        h.append(img(Chart.line("Learning rate", "step", "learning rate")
                .series("lr", curves.steps, curves.lr, new Color(0xc0504d), 2f).size(420, 300), "Learning rate"));
        h.append("</div>\n");
        h.append(String.format(Locale.ROOT, "<p class=\"note\">Final loss %.3f (log of the batch size, %.2f, is where an untrained model starts);"
                + " learned temperature: logit scale %.1f.</p>\n", info.finalLoss(), Math.log(info.batchSize()), r.logitScale()));

        h.append("<h2>Held-out images and the names the model gives them</h2>\n<p class=\"note\">For each image, the five most"
                + " probable of the ").append(r.retrieval().settings().get("num_captions")).append(" captions \"an emoji of &lt;name&gt;\""
                + " (softmax of the scaled cosine similarities); the true name in green.</p>\n<div class=\"examples\">\n");
        for (DemoEvaluation.Example ex : r.examples()) {
            h.append("<div class=\"ex\"><img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(ex.png()))
                    .append("\" alt=\"").append(esc(ex.emoji().name())).append("\"><div class=\"truth\">").append(esc(ex.emoji().name()))
                    .append("<span class=\"how\"> · ").append(esc(ex.emoji().subcategory())).append("</span></div><ol>");
            for (int i = 0; i < ex.captions().size(); i++) {
                boolean right = i == ex.rankOfTruth();
                h.append("<li").append(right ? " class=\"right\"" : "").append("><span class=\"p\">")
                        .append(String.format(Locale.ROOT, "%.1f%%", 100 * ex.probabilities()[i])).append("</span><span class=\"pb\" style=\"width:")
                        .append(pct(ex.probabilities()[i])).append("\"></span>").append(esc(ex.captions().get(i).replaceFirst("^an emoji of ", ""))).append("</li>");
            }
            h.append("</ol>");
            if (ex.rankOfTruth() >= ex.captions().size()) {
                h.append("<div class=\"how\">true name ranked ").append(ex.rankOfTruth() + 1).append("</div>");
            }
            h.append("</div>\n");
        }
        h.append("</div>\n");

        h.append("<h2>Zero-shot confusion, by category</h2>\n");
        h.append("<p class=\"note\">The zero-shot classifier picks one of the subcategories; here its predictions and the truth are both"
                + " mapped to their category. Per-subcategory details are in <code>eval/zeroshot.md</code>.</p>\n");
        List<String> cats = new ArrayList<>();
        for (String c : r.classCategories()) if (!cats.contains(c)) cats.add(c);
        long[][] conf = r.zeroShot().classification().confusion();
        long[][] byCat = new long[cats.size()][cats.size()];
        for (int t = 0; t < conf.length; t++) {
            for (int p = 0; p < conf.length; p++) {
                byCat[cats.indexOf(r.classCategories().get(t))][cats.indexOf(r.classCategories().get(p))] += conf[t][p];
            }
        }
        h.append(img(Chart.heatmap("Zero-shot predictions (categories)", "predicted", "true category", cats, byCat), "Zero-shot predictions (categories)"));
        if (fullConfusionPng != null && Files.isRegularFile(fullConfusionPng)) {
            h.append("<details><summary>Full ").append(conf.length).append("-subcategory confusion matrix</summary><img class=\"wide\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(Files.readAllBytes(fullConfusionPng))).append("\" alt=\"confusion matrix\"></details>\n");
        }

        h.append("<h2>Run</h2>\n<table class=\"kv\">");
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("model", info.model());
        kv.put("parameters", grouped(info.parameters()));
        kv.put("vocabulary", info.vocabSize() + " tokens");
        kv.put("steps x batch", info.steps() + " x " + info.batchSize());
        kv.put("training pairs", grouped(info.trainPairs()) + " (" + info.trainEmoji() + " " + info.trainSet() + " images)");
        kv.put("held-out images", info.heldOutImages() + " (" + info.heldOutSet() + ")");
        kv.put("seed", info.seed());
        kv.put("training time (sum of step times)", String.format(Locale.ROOT, "%.1f min", info.trainMinutes()));
        kv.put("this invocation of clip demo", String.format(Locale.ROOT, "%.1f min", info.totalMinutes()));
        kv.forEach((k, v) -> h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(String.valueOf(v))).append("</td></tr>"));
        h.append("</table>\n<p class=\"note\">Emoji images: emoji-datasource-google and emoji-datasource-twitter 16.0.0 (Google Noto emoji,"
                + " Apache-2.0; Twemoji, CC-BY-4.0)" + (info.trainSet().contains(EmojiPackages.EMOJIONE)
                ? " and " + EmojiPackages.EMOJIONE + " " + EmojiPackages.EMOJIONE_VERSION + " (EmojiOne artwork, CC-BY-4.0)" : "")
                + ". Files in the run folder: metrics.jsonl, train.log, checkpoints/, model.safetensors,"
                + " vocab.txt.gz, eval/*.json, demo-metrics.json.</p>\n</body></html>\n");
        AtomicFile.writeString(file, h.toString());
    }

    /**
     * Loss and learning rate per step from the trainer's {@code metrics.jsonl}, and the time the steps took (from
     * their throughput), which adds up the sessions of a resumed run.
     */
    record Curves(double[] steps, double[] loss, double[] lr, double stepSeconds) {
        static Curves read(Path file) throws IOException {
            List<double[]> rows = new ArrayList<>();
            double seconds = 0;
            double previousSeen = 0;
            if (Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    JsonNode n = JSON.readTree(line);
                    if (n.has("step") && n.has("loss")) {
                        rows.add(new double[] {n.get("step").asDouble(), n.get("loss").asDouble(), n.path("lr").asDouble(Double.NaN)});
                        double seen = n.path("samples_seen").asDouble(Double.NaN);
                        double rate = n.path("samples_per_s").asDouble(Double.NaN);
                        if (seen > previousSeen && rate > 0) seconds += (seen - previousSeen) / rate;
                        previousSeen = seen;
                    }
                }
            }
            double[] s = new double[rows.size()], l = new double[rows.size()], r = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                s[i] = rows.get(i)[0];
                l[i] = rows.get(i)[1];
                r[i] = rows.get(i)[2];
            }
            return new Curves(s, l, r, seconds);
        }
    }

    static double[] movingAverage(double[] v, int window) {
        double[] out = new double[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            if (i >= window) sum -= v[i - window];
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * Math.max(0, Math.min(1, share)));
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Text for HTML: the five characters with a meaning there escaped. */
    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A chart as an image embedded in the page (a PNG data URI), so the report is one self-contained file. */
    public static String img(Chart chart, String alt) {
        return "<img class=\"chart\" width=\"" + chart.width() + "\" height=\"" + chart.height() + "\" alt=\"" + esc(alt)
                + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(chart.png()) + "\">";
    }

    public static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1100px;margin:24px auto;padding:0 20px;color:#222;line-height:1.45}
            h1{font-size:26px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .lead{font-size:15px;color:#333}.note{font-size:13px;color:#666}.how{color:#888;font-size:12px;font-weight:normal}
            table.metrics{border-collapse:collapse;width:100%;font-size:14px}table.metrics th{text-align:left;border-bottom:2px solid #bbb;padding:4px 8px}
            table.metrics td{padding:3px 8px;border-bottom:1px solid #eee}table.metrics tr.first td{border-top:1px solid #ccc}
            td.num{text-align:right;white-space:nowrap}td.vis{white-space:nowrap}
            .bar{position:relative;display:inline-block;vertical-align:middle;width:180px;height:12px;background:#f3f3f3;margin-right:8px}
            .bar .val{position:absolute;left:0;top:3px;height:6px;background:#1f4e99}.bar .chance{position:absolute;left:0;top:0;height:12px;background:#f2c6c6}
            .row{display:flex;flex-wrap:wrap;gap:16px}img.chart{background:#fff;border:1px solid #e4e4e4;max-width:100%;height:auto}
            .examples{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:14px}
            .ex{border:1px solid #e2e2e2;border-radius:6px;padding:10px;font-size:13px}
            .ex img{width:96px;height:96px;image-rendering:pixelated;display:block;margin:0 auto 6px auto}
            .ex .truth{font-weight:600;text-align:center;margin-bottom:6px}
            .ex ol{margin:0;padding-left:0;list-style:none}.ex li{position:relative;padding:2px 4px 2px 52px;margin:1px 0;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
            .ex li .p{position:absolute;left:4px;width:44px;text-align:right;color:#555}
            .ex li .pb{position:absolute;left:0;top:0;bottom:0;background:#e8eef8;z-index:-1}
            .ex li.right{color:#0a6b2a;font-weight:600}.ex li.right .pb{background:#d6f0dc}
            table.kv th{text-align:left;padding:2px 14px 2px 0;color:#555;font-weight:normal}table.kv{font-size:14px}
            img.wide{max-width:100%}details{margin-top:12px}code{background:#f4f4f4;padding:1px 4px}
            """;
}
