package dev.jclip.eval.report;

import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.probe.LinearProbe;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one evaluation run: headline metrics by name (e.g. {@code top1}, {@code image_to_text_R@5},
 * {@code linear_probe_top1}), the settings that produced them, and the details the plots need.
 */
public final class EvalReport {
    private final String task;
    private final String dataset;
    private final String model;
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private final List<String> notes = new java.util.ArrayList<>();
    private List<String> classNames;
    private ClassificationMetrics classification;
    private List<LinearProbe.SweepPoint> sweep;
    private double bestC = Double.NaN;
    private List<dev.jclip.eval.probe.FewShot.Point> fewShot;
    private double zeroShotTop1 = Double.NaN;
    private double matchingShots = Double.NaN;

    /**
     * @param task    "zeroshot", "retrieval", "linear-probe" or "few-shot"
     * @param dataset the dataset spec or name
     * @param model   the checkpoint, or e.g. "raw-pixels"
     */
    public EvalReport(String task, String dataset, String model) {
        this.task = task;
        this.dataset = dataset;
        this.model = model;
    }

    public EvalReport metric(String name, double value) {
        metrics.put(name, value);
        return this;
    }

    public EvalReport setting(String name, Object value) {
        settings.put(name, value);
        return this;
    }

    /** A sentence for the Markdown report, e.g. the shot count at which a probe matches zero-shot. */
    public EvalReport note(String sentence) {
        notes.add(sentence);
        return this;
    }

    public List<String> notes() {
        return notes;
    }

    /** Attaches per-class results (per-class accuracy, confusion matrix) and the class names they refer to. */
    public EvalReport classification(List<String> classNames, ClassificationMetrics m) {
        this.classNames = List.copyOf(classNames);
        this.classification = m;
        return this;
    }

    /** Attaches the linear probe's C search. */
    public EvalReport sweep(List<LinearProbe.SweepPoint> sweep, double bestC) {
        this.sweep = List.copyOf(sweep);
        this.bestC = bestC;
        return this;
    }

    /** Attaches few-shot results for the chart: the points, zero-shot top-1 and the matching shot count (NaN: none). */
    public EvalReport fewShot(List<dev.jclip.eval.probe.FewShot.Point> points, double zeroShotTop1, double matchingShots) {
        this.fewShot = List.copyOf(points);
        this.zeroShotTop1 = zeroShotTop1;
        this.matchingShots = matchingShots;
        return this;
    }

    /** Null unless this is a few-shot run. */
    public List<dev.jclip.eval.probe.FewShot.Point> fewShotPoints() {
        return fewShot;
    }

    public double zeroShotTop1() {
        return zeroShotTop1;
    }

    public double matchingShots() {
        return matchingShots;
    }

    public String task() {
        return task;
    }

    public String dataset() {
        return dataset;
    }

    public String model() {
        return model;
    }

    public Map<String, Double> metrics() {
        return metrics;
    }

    public Map<String, Object> settings() {
        return settings;
    }

    /** Null when the run has no per-class results (retrieval). */
    public List<String> classNames() {
        return classNames;
    }

    public ClassificationMetrics classification() {
        return classification;
    }

    /** Null unless this is a linear probe. */
    public List<LinearProbe.SweepPoint> sweep() {
        return sweep;
    }

    public double bestC() {
        return bestC;
    }
}
