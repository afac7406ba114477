package dev.jclip.cli.repro;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.api.TerminalProgressBar;
import dev.jclip.cli.demo.DemoReport;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.eval.report.Chart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What one {@code clip repro} run leaves in {@code OUTPUT/NAME/}: {@code figures.json} (every figure, the settings,
 * the model, the wall time), {@code report.html} (the paper's claim, the tables and the charts, also written as
 * PNG files) and, while it runs, a progress bar on the terminal.
 */
final class ReproReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path dir;
    private final String title;
    private final String claim;
    private final ObjectNode root = JSON.createObjectNode();
    private final StringBuilder body = new StringBuilder();
    private final TerminalProgressBar bar;
    private final long start = System.nanoTime();

    /**
     * @param name     the finding's command name (its folder under {@code --output})
     * @param claim    the paper's figure, in a sentence
     * @param progress where the progress bar is drawn, or null for none
     */
    ReproReport(String name, String title, String claim, ReproOptions o, PrintStream progress) {
        this.dir = o.output.resolve(name);
        this.title = title;
        this.claim = claim;
        this.bar = progress == null ? null : new TerminalProgressBar(progress);
        root.put("finding", name).put("title", title).put("paper", claim).put("started", Instant.now().toString());
        root.putObject("settings").put("scale", o.scale).put("seed", o.seed);
        root.putObject("figures");
    }

    /** The progress bar on the console, when there is one. */
    static PrintStream console() {
        return System.console() != null ? System.err : null;
    }

    Path dir() {
        return dir;
    }

    ReproReport setting(String key, Object value) {
        ((ObjectNode) root.get("settings")).putPOJO(key, value);
        return this;
    }

    ReproReport model(EmojiModel m) {
        root.putObject("model").put("name", m.name()).put("folder", m.dir().toAbsolutePath().toString())
                .put("trained_emoji", m.data().trainEmoji().size()).put("training_pairs", m.data().trainSamples());
        return this;
    }

    /** A figure (an accuracy as a fraction 0..1, a count, a difference) under {@code key}. */
    ReproReport figure(String key, double value) {
        ((ObjectNode) root.get("figures")).put(key, value);
        return this;
    }

    void progress(long done, long total, String label) {
        if (bar != null) bar.progress(done, total, label);
    }

    ReproReport text(String sentence) {
        body.append("<p>").append(DemoReport.esc(sentence)).append("</p>\n");
        return this;
    }

    ReproReport heading(String text) {
        body.append("<h2>").append(DemoReport.esc(text)).append("</h2>\n");
        return this;
    }

    /** A table, in the page and on standard output; cells are text. */
    ReproReport table(List<String> header, List<List<String>> rows) {
        System.out.println(String.join(" | ", header));
        for (List<String> r : rows) System.out.println(String.join(" | ", r));
        body.append("<table class=\"metrics\"><tr>");
        for (String h : header) body.append("<th>").append(DemoReport.esc(h)).append("</th>");
        body.append("</tr>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                body.append(i == 0 ? "<td>" : "<td class=\"num\">").append(DemoReport.esc(r.get(i))).append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** A chart in the page and as {@code stem.png} beside it. */
    ReproReport chart(Chart chart, String alt, String stem) throws IOException {
        chart.writePng(dir.resolve(stem + ".png"));
        body.append("<div class=\"row\">").append(DemoReport.img(chart, alt)).append("</div>\n");
        return this;
    }

    /** Writes {@code figures.json} and {@code report.html}; returns the report's path. */
    Path finish() throws IOException {
        double seconds = (System.nanoTime() - start) / 1e9;
        root.put("wall_seconds", Math.round(seconds * 10) / 10.0);
        AtomicFile.writeString(dir.resolve("figures.json"), JSON.writeValueAsString(root) + "\n");
        String page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + DemoReport.esc(title)
                + "</title>\n<style>\n" + DemoReport.CSS + "</style></head><body>\n<h1>" + DemoReport.esc(title) + "</h1>\n"
                + "<p class=\"lead\"><b>Paper:</b> " + DemoReport.esc(claim) + "</p>\n" + body
                + String.format(Locale.ROOT, "<p class=\"note\">Every figure is in figures.json beside this page. %.1f minutes.</p>\n",
                seconds / 60) + "</body></html>\n";
        Path report = dir.resolve("report.html");
        AtomicFile.writeString(report, page);
        return report;
    }

    /** An accuracy (0..1) as a percentage with two decimals. */
    static String pct(double share) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * share);
    }
}
