package dev.jclip.cli.demo;

/**
 * One line of the demo's metrics table.
 *
 * @param task   e.g. "zero-shot subcategory (99 classes)"
 * @param metric e.g. "top-1"
 * @param key    the name in {@code demo-metrics.json}, e.g. {@code zeroshot_top1}
 * @param value  the model's figure, a fraction in [0, 1]
 * @param chance what guessing achieves, a fraction in [0, 1]
 * @param chanceHow how the chance figure is obtained, e.g. "1/99"
 */
public record MetricRow(String task, String metric, String key, double value, double chance, String chanceHow) {
}
