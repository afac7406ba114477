package dev.jclip.cli.demo;

import java.util.List;
import java.util.Locale;

/** Small inline-SVG charts for the report: line charts and a labelled heat map. */
final class Svg {
    private Svg() {
    }

    /** One series of a line chart. */
    record Series(String label, double[] x, double[] y, String colour, double strokeWidth) {
    }

    /**
     * A line chart with axes, ticks and a legend.
     *
     * @param logY plot the y axis on a log scale (values must be positive)
     */
    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logY, int width, int height) {
        int left = 64, right = 16, top = 34, bottom = 46;
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double y = s.y()[i];
                if (!Double.isFinite(y) || (logY && y <= 0)) continue;
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMin = Math.min(yMin, y);
                yMax = Math.max(yMax, y);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" class=\"chart\">",
                width, height, width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" class=\"ct\">%s</text>", width / 2, esc(title)));
        if (!(xMax >= xMin) || !(yMax >= yMin)) {
            return sb.append("<text x=\"50%\" y=\"50%\" text-anchor=\"middle\">no data</text></svg>").toString();
        }
        if (xMax == xMin) xMax = xMin + 1;
        double lo = logY ? Math.log10(yMin) : (yMin >= 0 && yMin < 0.3 * yMax ? 0 : yMin);
        double hi = logY ? Math.log10(yMax) : yMax;
        if (hi == lo) {
            hi += logY ? 0.5 : Math.max(1e-9, Math.abs(hi) * 0.1);
            lo -= logY ? 0.5 : 0;
        }
        double pw = width - left - right, ph = height - top - bottom;
        final double fxMin = xMin, fxMax = xMax, flo = lo, fhi = hi;
        java.util.function.DoubleUnaryOperator px = x -> left + (x - fxMin) / (fxMax - fxMin) * pw;
        java.util.function.DoubleUnaryOperator py = y -> top + ph - ((logY ? Math.log10(y) : y) - flo) / (fhi - flo) * ph;
        // grid and y ticks
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            double yv = logY ? Math.pow(10, v) : v;
            double y = top + ph - ph * i / 4;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", left, y, left + pw, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s</text>", left - 6, y + 4, number(yv)));
        }
        for (int i = 0; i <= 5; i++) {
            double v = xMin + (xMax - xMin) * i / 5;
            if (xMax - xMin >= 5) v = Math.round(v);
            double x = px.applyAsDouble(v);
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">%s</text>", x, top + ph + 16, number(v)));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>", left, top, pw, ph));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">%s</text>", left + pw / 2, height - 8, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">%s</text>",
                top + ph / 2, esc(yLabel)));
        int legendX = left + 10;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                double y = s.y()[i];
                if (!Double.isFinite(y) || (logY && y <= 0)) continue;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(s.x()[i]), py.applyAsDouble(y)));
            }
            sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"/>",
                    pts.toString().strip(), s.colour(), s.strokeWidth()));
            if (series.size() > 1) {
                sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>",
                        legendX, top + 12, legendX + 18, top + 12, s.colour()));
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"start\">%s</text>",
                        legendX + 22, top + 16, esc(s.label())));
                legendX += 30 + 7 * s.label().length();
            }
        }
        return sb.append("</svg>").toString();
    }

    /**
     * A confusion matrix: rows are true classes, columns predictions; colour is the share of the row, the number
     * the count.
     */
    static String confusion(String title, List<String> names, long[][] counts) {
        int n = names.size();
        int cell = n <= 12 ? 44 : Math.max(10, 520 / Math.max(1, n));
        int labelW = 8 + 7 * names.stream().mapToInt(String::length).max().orElse(4);
        int left = labelW + 24, top = 40 + labelW;
        int width = left + n * cell + 20, height = top + n * cell + 40;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" class=\"chart\">", width, height, width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" class=\"ct\">%s</text>", width / 2, esc(title)));
        for (int i = 0; i < n; i++) {
            long row = 0;
            for (long v : counts[i]) row += v;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"tick\">%s</text>",
                    left - 6, top + i * cell + cell / 2 + 4, esc(names.get(i))));
            sb.append(String.format(Locale.ROOT, "<text transform=\"translate(%d %d) rotate(-60)\" text-anchor=\"start\" class=\"tick\">%s</text>",
                    left + i * cell + cell / 2 + 3, top - 6, esc(names.get(i))));
            for (int j = 0; j < n; j++) {
                double share = row == 0 ? 0 : (double) counts[i][j] / row;
                int shade = (int) Math.round(255 - 200 * share);
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" stroke=\"#fff\"/>",
                        left + j * cell, top + i * cell, cell, cell, shade, shade));
                if (counts[i][j] > 0 && cell >= 24) {
                    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"cell\" fill=\"%s\">%d</text>",
                            left + j * cell + cell / 2, top + i * cell + cell / 2 + 4, share > 0.55 ? "#fff" : "#222", counts[i][j]));
                }
            }
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">rows: true category; columns: predicted</text>",
                left + n * cell / 2, top + n * cell + 24));
        return sb.append("</svg>").toString();
    }

    /** Compact tick labels: 0.0005 -> 5e-4, 1234 -> 1234, 0.25 -> 0.25. */
    static String number(double v) {
        double a = Math.abs(v);
        if (a == 0) return "0";
        if (v == Math.rint(v) && a < 1e5) return String.format(Locale.ROOT, "%.0f", v);
        if (a < 0.01 || a >= 1e5) return String.format(Locale.ROOT, "%.1e", v).replace("e-0", "e-").replace("e+0", "e");
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
