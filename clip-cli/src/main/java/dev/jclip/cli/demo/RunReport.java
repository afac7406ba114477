package dev.jclip.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.eval.report.Chart;
import java.awt.Color;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.html} of a {@code clip train} run, from its {@code metrics.jsonl}: the loss and learning-rate
 * curves, and every evaluation metric (validation loss, retrieval recalls, zero-shot accuracy, a hook's own) over
 * the steps it was measured at, with a table of the last values. One self-contained page, rewritten at the end
 * of each run (and of each resumed session).
 */
public final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The step line's own fields; every other number on a line is an evaluation metric. */
    private static final Set<String> STEP_FIELDS = Set.of("step", "epoch", "loss", "lr", "logit_scale", "grad_norm",
            "samples_seen", "samples_per_s", "data_wait");
    private static final String[] COLOURS = {"#1f4e99", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085"};

    private RunReport() {
    }

    /** Writes {@code runDir/report.html}; returns its path. */
    public static Path write(Path runDir) throws IOException {
        List<Double> steps = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        List<Double> lr = new ArrayList<>();
        Map<String, List<double[]>> evals = new LinkedHashMap<>(); // metric -> (step, value)
        Path metrics = runDir.resolve("metrics.jsonl");
        if (Files.isRegularFile(metrics)) {
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n = JSON.readTree(line);
                double step = n.path("step").asDouble();
                steps.add(step);
                loss.add(n.path("loss").asDouble(Double.NaN));
                lr.add(n.path("lr").asDouble(Double.NaN));
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!STEP_FIELDS.contains(e.getKey()) && e.getValue().isNumber()) {
                        evals.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new double[] {step, e.getValue().asDouble()});
                    }
                }
            }
        }
        double[] x = toArray(steps);
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>jclip run report</title>\n<style>\n")
                .append(DemoReport.CSS).append("</style></head><body>\n");
        h.append("<h1>Training run ").append(DemoReport.esc(runDir.toAbsolutePath().normalize().getFileName().toString())).append("</h1>\n");
        h.append(String.format(Locale.ROOT, "<p class=\"lead\">%d steps logged in metrics.jsonl.</p>\n", steps.size()));
        h.append("<h2>Training</h2>\n<div class=\"row\">");
        double[] l = toArray(loss);
        h.append(DemoReport.img(Chart.line("Contrastive loss", "step", "loss")
                .series("per step", x, l, new Color(0xb8c7e0), 1f)
                .series("moving average", x, DemoReport.movingAverage(l, Math.max(1, l.length / 25)), new Color(0x1f4e99), 2.2f)
                .size(520, 300), "Contrastive loss"));
        h.append(DemoReport.img(Chart.line("Learning rate", "step", "lr").series("lr", x, toArray(lr), new Color(0x1f4e99), 2f)
                .size(520, 300), "Learning rate"));
        h.append("</div>\n");
        if (!evals.isEmpty()) {
            h.append("<h2>Evaluation</h2>\n<table class=\"metrics\"><tr><th>metric</th><th>last value</th><th>at step</th></tr>\n");
            evals.forEach((k, v) -> {
                double[] last = v.get(v.size() - 1);
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"num\">%.4f</td><td class=\"num\">%d</td></tr>\n",
                        DemoReport.esc(k), last[1], (long) last[0]));
            });
            h.append("</table>\n<div class=\"row\">");
            for (Map.Entry<String, List<String>> g : groups(evals.keySet()).entrySet()) {
                Chart.Line chart = Chart.line(g.getKey(), "step", g.getKey());
                int drawn = 0;
                for (String k : g.getValue()) {
                    List<double[]> v = evals.get(k);
                    double[] sx = new double[v.size()], sy = new double[v.size()];
                    for (int i = 0; i < v.size(); i++) {
                        sx[i] = v.get(i)[0];
                        sy[i] = v.get(i)[1];
                    }
                    chart.series(k, sx, sy, new Color(Integer.parseInt(COLOURS[drawn++ % COLOURS.length].substring(1), 16)), 2f);
                }
                h.append(DemoReport.img(chart.size(520, 300), g.getKey()));
            }
            h.append("</div>\n");
        }
        h.append("<p class=\"note\">Files in the run folder: config.json, metrics.jsonl, train.log, checkpoints/, model.safetensors"
                + " (and TensorBoard event files with report-to tensorboard).</p>\n</body></html>\n");
        Path file = runDir.resolve("report.html");
        AtomicFile.writeString(file, h.toString());
        return file;
    }

    /** Metrics that share a chart: the recalls of each prefix together, zero-shot top-k together, others alone. */
    static Map<String, List<String>> groups(Set<String> names) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String n : names) {
            int recall = Math.max(n.indexOf("image_to_text_R@"), n.indexOf("text_to_image_R@"));
            String group = recall >= 0 ? n.substring(0, recall) + "recall"
                    : n.matches(".*_top\\d+") ? n.substring(0, n.lastIndexOf("_top")) + " accuracy" : n;
            out.computeIfAbsent(group, k -> new ArrayList<>()).add(n);
        }
        return out;
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
