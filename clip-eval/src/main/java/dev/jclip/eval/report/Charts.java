package dev.jclip.eval.report;

import dev.jclip.eval.probe.FewShot;
import dev.jclip.eval.probe.LinearProbe;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** Report charts drawn with Java2D (headless): confusion-matrix heatmap, per-class accuracy bars, probe accuracy vs C. */
public final class Charts {
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Color AXIS = new Color(60, 60, 60);
    private static final Color GRID = new Color(225, 225, 225);
    private static final Color BAR = new Color(52, 101, 164);

    static {
        System.setProperty("java.awt.headless", System.getProperty("java.awt.headless", "true"));
    }

    private Charts() {
    }

    /**
     * Rows are true classes, columns predictions; a cell's colour is its share of the row (so rare classes read as
     * clearly as common ones) and, for up to 25 classes, it is labelled with its count.
     */
    public static BufferedImage confusionMatrix(List<String> names, long[][] confusion, String title, String subtitle) {
        int n = names.size();
        int cell = Math.max(1, Math.min(56, 720 / Math.max(1, n))); // the grid stays within ~720 px (ImageNet: 1 px cells)
        boolean labels = n <= 60;
        Graphics2D probe = scratch();
        int labelW = labels ? maxWidth(probe, LABEL, names) + 12 : 10;
        probe.dispose();
        int left = labelW + 40;
        int top = 76;
        int grid = cell * n;
        int width = Math.max(480, left + grid + 130);
        int height = top + grid + labelW + 50;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        header(g, width, title, subtitle);
        for (int t = 0; t < n; t++) {
            long rowSum = 0;
            for (long v : confusion[t]) rowSum += v;
            for (int p = 0; p < n; p++) {
                double share = rowSum == 0 ? 0 : (double) confusion[t][p] / rowSum;
                g.setColor(blues(share));
                g.fillRect(left + p * cell, top + t * cell, cell, cell);
                if (n <= 25 && confusion[t][p] > 0) {
                    g.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
                    Font f = cell >= 36 ? LABEL : SMALL;
                    centred(g, f, Long.toString(confusion[t][p]), left + p * cell + cell / 2, top + t * cell + cell / 2 + g.getFontMetrics(f).getAscent() / 2 - 1);
                }
            }
        }
        g.setColor(AXIS);
        g.drawRect(left, top, grid, grid);
        g.setFont(cell < 16 ? SMALL : LABEL); // keeps neighbouring labels apart on small cells
        FontMetrics fm = g.getFontMetrics();
        if (labels) {
            for (int i = 0; i < n; i++) {
                String s = names.get(i);
                g.drawString(s, left - 6 - fm.stringWidth(s), top + i * cell + cell / 2 + fm.getAscent() / 2 - 1);
                AffineTransform saved = g.getTransform();
                g.translate(left + i * cell + cell / 2 + fm.getAscent() / 2 - 1, top + grid + 6);
                g.rotate(Math.PI / 2);
                g.drawString(s, 0, 0);
                g.setTransform(saved);
            }
        }
        AffineTransform saved = g.getTransform();
        g.translate(16, top + grid / 2);
        g.rotate(-Math.PI / 2);
        centred(g, LABEL, "true class", 0, 0);
        g.setTransform(saved);
        centred(g, LABEL, "predicted class", left + grid / 2, height - 14);
        colourBar(g, left + grid + 30, top, Math.min(grid, 300));
        g.dispose();
        return img;
    }

    /** Horizontal bars, one per class, with the value printed at each bar's end. */
    public static BufferedImage perClassAccuracy(List<String> names, double[] accuracy, String title, String subtitle) {
        int n = names.size();
        int bar = n <= 30 ? 22 : n <= 100 ? 12 : 6;
        Graphics2D probe = scratch();
        int labelW = maxWidth(probe, n <= 100 ? LABEL : SMALL, names) + 12;
        probe.dispose();
        int left = labelW + 10;
        int plotW = 520;
        int top = 76;
        int height = top + n * bar + 60;
        int width = left + plotW + 70;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        header(g, width, title, subtitle);
        g.setFont(SMALL);
        for (int pct = 0; pct <= 100; pct += 10) {
            int x = left + pct * plotW / 100;
            g.setColor(GRID);
            g.drawLine(x, top, x, top + n * bar);
            g.setColor(AXIS);
            centred(g, SMALL, pct + "%", x, top + n * bar + 16);
        }
        Font f = n <= 100 ? LABEL : SMALL;
        g.setFont(f);
        FontMetrics fm = g.getFontMetrics();
        for (int c = 0; c < n; c++) {
            int y = top + c * bar;
            double a = accuracy[c];
            g.setColor(AXIS);
            g.drawString(names.get(c), left - 6 - fm.stringWidth(names.get(c)), y + bar / 2 + fm.getAscent() / 2 - 1);
            if (Double.isNaN(a)) {
                g.drawString("no samples", left + 4, y + bar / 2 + fm.getAscent() / 2 - 1);
                continue;
            }
            int w = (int) Math.round(a * plotW);
            g.setColor(BAR);
            g.fillRect(left, y + 2, w, bar - 4);
            if (bar >= 12) {
                g.setColor(AXIS);
                g.drawString(String.format(Locale.ROOT, "%.1f", 100 * a), left + w + 4, y + bar / 2 + fm.getAscent() / 2 - 1);
            }
        }
        g.setColor(AXIS);
        g.drawLine(left, top, left, top + n * bar);
        centred(g, LABEL, "accuracy (top-1, %)", left + plotW / 2, height - 14);
        g.dispose();
        return img;
    }

    /** Validation accuracy against C on a log axis, the chosen C marked. */
    public static BufferedImage accuracyVsC(List<LinearProbe.SweepPoint> sweep, double bestC, String title, String subtitle) {
        int width = 760;
        int height = 460;
        int left = 80;
        int right = 30;
        int top = 76;
        int bottom = 70;
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        double minLog = Math.floor(Math.log10(sweep.get(0).c()));
        double maxLog = Math.ceil(Math.log10(sweep.get(sweep.size() - 1).c()));
        if (maxLog == minLog) maxLog = minLog + 1;
        double lo = 1;
        double hi = 0;
        for (LinearProbe.SweepPoint p : sweep) {
            lo = Math.min(lo, p.validationAccuracy());
            hi = Math.max(hi, p.validationAccuracy());
        }
        double step = niceStep((hi - lo) * 100);
        double yMin = Math.max(0, Math.floor(lo * 100 / step) * step - step);
        double yMax = Math.min(100, Math.ceil(hi * 100 / step) * step + step);
        if (yMax <= yMin) yMax = yMin + step;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        header(g, width, title, subtitle);
        final double fMinLog = minLog;
        final double fMaxLog = maxLog;
        final double fyMin = yMin;
        final double fyMax = yMax;
        java.util.function.DoubleUnaryOperator px = c -> left + (Math.log10(c) - fMinLog) / (fMaxLog - fMinLog) * plotW;
        java.util.function.DoubleUnaryOperator py = a -> top + plotH - (100 * a - fyMin) / (fyMax - fyMin) * plotH;
        for (double e = minLog; e <= maxLog; e++) {
            int x = (int) Math.round(px.applyAsDouble(Math.pow(10, e)));
            g.setColor(GRID);
            g.drawLine(x, top, x, top + plotH);
            g.setColor(AXIS);
            centred(g, SMALL, "1e" + (int) e, x, top + plotH + 16);
        }
        for (double v = yMin; v <= yMax + 1e-9; v += step) {
            int y = (int) Math.round(py.applyAsDouble(v / 100));
            g.setColor(GRID);
            g.drawLine(left, y, left + plotW, y);
            g.setColor(AXIS);
            g.setFont(SMALL);
            String s = String.format(Locale.ROOT, step < 1 ? "%.1f" : "%.0f", v);
            g.drawString(s, left - 8 - g.getFontMetrics().stringWidth(s), y + 4);
        }
        g.setColor(AXIS);
        g.drawRect(left, top, plotW, plotH);
        int bx = (int) Math.round(px.applyAsDouble(bestC));
        g.setColor(new Color(204, 0, 0));
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(bx, top, bx, top + plotH);
        g.setFont(LABEL);
        String bestLabel = String.format(Locale.ROOT, "chosen C = %.3g", bestC);
        int tw = g.getFontMetrics().stringWidth(bestLabel);
        g.drawString(bestLabel, bx + tw + 8 > left + plotW ? bx - tw - 6 : bx + 6, top + 16);
        g.setStroke(new BasicStroke(2f));
        g.setColor(BAR);
        Path2D line = new Path2D.Double();
        for (int i = 0; i < sweep.size(); i++) {
            double x = px.applyAsDouble(sweep.get(i).c());
            double y = py.applyAsDouble(sweep.get(i).validationAccuracy());
            if (i == 0) line.moveTo(x, y);
            else line.lineTo(x, y);
        }
        g.draw(line);
        for (LinearProbe.SweepPoint p : sweep) {
            int x = (int) Math.round(px.applyAsDouble(p.c()));
            int y = (int) Math.round(py.applyAsDouble(p.validationAccuracy()));
            g.fillOval(x - 4, y - 4, 8, 8);
        }
        g.setColor(AXIS);
        centred(g, LABEL, "C (inverse regularisation strength, log scale)", left + plotW / 2, height - 24);
        AffineTransform saved = g.getTransform();
        g.translate(22, top + plotH / 2);
        g.rotate(-Math.PI / 2);
        centred(g, LABEL, "validation accuracy (%)", 0, 0);
        g.setTransform(saved);
        g.dispose();
        return img;
    }

    /** The zero-shot reference line's colour in {@link #fewShot}. */
    static final Color ZERO_SHOT = new Color(204, 0, 0);

    /**
     * Few-shot probe accuracy against examples per class (log2 axis, as the paper's Figure 6): the mean over draws
     * with error bars of one standard deviation, and zero-shot as a dashed horizontal line with the matching
     * shot count marked (NaN: none).
     */
    public static BufferedImage fewShot(List<FewShot.Point> points, double zeroShot, double matchShots, String title, String subtitle) {
        int width = 760;
        int height = 460;
        int left = 80;
        int right = 30;
        int top = 76;
        int bottom = 70;
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        double minLog = log2(points.get(0).shots());
        double maxLog = log2(points.get(points.size() - 1).shots());
        double pad = Math.max(0.25, (maxLog - minLog) * 0.06);
        double lo = Double.isNaN(zeroShot) ? 1 : zeroShot;
        double hi = Double.isNaN(zeroShot) ? 0 : zeroShot;
        for (FewShot.Point p : points) {
            double sd = Double.isNaN(p.stdTop1()) ? 0 : p.stdTop1();
            lo = Math.min(lo, p.meanTop1() - sd);
            hi = Math.max(hi, p.meanTop1() + sd);
        }
        double step = niceStep(Math.max(hi - lo, 0.01) * 100);
        double yMin = Math.max(0, Math.floor(lo * 100 / step) * step - step);
        double yMax = Math.min(100, Math.ceil(hi * 100 / step) * step + step);
        if (yMax <= yMin) yMax = yMin + step;
        final double x0 = minLog - pad;
        final double x1 = maxLog + pad;
        final double fyMin = yMin;
        final double fyMax = yMax;
        java.util.function.DoubleUnaryOperator px = n -> left + (log2(n) - x0) / (x1 - x0) * plotW;
        java.util.function.DoubleUnaryOperator py = a -> top + plotH - (100 * a - fyMin) / (fyMax - fyMin) * plotH;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        header(g, width, title, subtitle);
        for (FewShot.Point p : points) {
            int x = (int) Math.round(px.applyAsDouble(p.shots()));
            g.setColor(GRID);
            g.drawLine(x, top, x, top + plotH);
            g.setColor(AXIS);
            centred(g, SMALL, Integer.toString(p.shots()), x, top + plotH + 16);
        }
        for (double v = yMin; v <= yMax + 1e-9; v += step) {
            int y = (int) Math.round(py.applyAsDouble(v / 100));
            g.setColor(GRID);
            g.drawLine(left, y, left + plotW, y);
            g.setColor(AXIS);
            g.setFont(SMALL);
            String s = String.format(Locale.ROOT, step < 1 ? "%.1f" : "%.0f", v);
            g.drawString(s, left - 8 - g.getFontMetrics().stringWidth(s), y + 4);
        }
        g.setColor(AXIS);
        g.drawRect(left, top, plotW, plotH);
        if (!Double.isNaN(zeroShot)) {
            int y = (int) Math.round(py.applyAsDouble(zeroShot));
            g.setColor(ZERO_SHOT);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(left, y, left + plotW, y);
            g.setFont(LABEL);
            String label = String.format(Locale.ROOT, "zero-shot %.1f %%", 100 * zeroShot)
                    + (Double.isNaN(matchShots) ? "" : String.format(Locale.ROOT, ", matched at %.2f per class", matchShots));
            g.drawString(label, left + 8, y > top + 20 ? y - 6 : y + 16);
            if (!Double.isNaN(matchShots)) {
                int mx = (int) Math.round(px.applyAsDouble(matchShots));
                g.drawLine(mx, y, mx, top + plotH);
            }
        }
        g.setStroke(new BasicStroke(2f));
        g.setColor(BAR);
        Path2D line = new Path2D.Double();
        for (int i = 0; i < points.size(); i++) {
            double x = px.applyAsDouble(points.get(i).shots());
            double y = py.applyAsDouble(points.get(i).meanTop1());
            if (i == 0) line.moveTo(x, y);
            else line.lineTo(x, y);
        }
        g.draw(line);
        g.setStroke(new BasicStroke(1.5f));
        for (FewShot.Point p : points) {
            int x = (int) Math.round(px.applyAsDouble(p.shots()));
            int y = (int) Math.round(py.applyAsDouble(p.meanTop1()));
            g.fillOval(x - 4, y - 4, 8, 8);
            if (!Double.isNaN(p.stdTop1()) && p.stdTop1() > 0) {
                int ya = (int) Math.round(py.applyAsDouble(p.meanTop1() - p.stdTop1()));
                int yb = (int) Math.round(py.applyAsDouble(p.meanTop1() + p.stdTop1()));
                g.drawLine(x, ya, x, yb);
                g.drawLine(x - 5, ya, x + 5, ya);
                g.drawLine(x - 5, yb, x + 5, yb);
            }
        }
        g.setColor(AXIS);
        centred(g, LABEL, "labelled examples per class (log scale); bars: one standard deviation over draws", left + plotW / 2, height - 24);
        AffineTransform saved = g.getTransform();
        g.translate(22, top + plotH / 2);
        g.rotate(-Math.PI / 2);
        centred(g, LABEL, "test top-1 (%)", 0, 0);
        g.setTransform(saved);
        g.dispose();
        return img;
    }

    private static double log2(double n) {
        return Math.log(n) / Math.log(2);
    }

    /** A bold title and a grey subtitle, each shortened with an ellipsis to fit the image. */
    private static void header(Graphics2D g, int width, String title, String subtitle) {
        g.setColor(AXIS);
        centred(g, TITLE, fit(g, TITLE, title, width - 20), width / 2, 28);
        if (subtitle != null && !subtitle.isEmpty()) {
            g.setColor(new Color(110, 110, 110));
            centred(g, LABEL, fit(g, LABEL, subtitle, width - 20), width / 2, 50);
            g.setColor(AXIS);
        }
    }

    /** {@code s}, cut in the middle with an ellipsis when wider than {@code max} pixels. */
    static String fit(Graphics2D g, Font f, String s, int max) {
        FontMetrics fm = g.getFontMetrics(f);
        if (fm.stringWidth(s) <= max) return s;
        for (int keep = s.length() - 1; keep > 4; keep--) {
            String t = s.substring(0, keep / 2) + "\u2026" + s.substring(s.length() - (keep - keep / 2));
            if (fm.stringWidth(t) <= max) return t;
        }
        return "\u2026";
    }

    private static double niceStep(double rangePct) {
        for (double s : new double[] {0.5, 1, 2, 5, 10, 20}) if (rangePct / s <= 8) return s;
        return 25;
    }

    private static void colourBar(Graphics2D g, int x, int y, int h) {
        for (int i = 0; i < h; i++) {
            g.setColor(blues(1 - (double) i / (h - 1)));
            g.drawLine(x, y + i, x + 16, y + i);
        }
        g.setColor(AXIS);
        g.drawRect(x, y, 16, h);
        g.setFont(SMALL);
        g.drawString("100%", x + 20, y + 8);
        g.drawString("0%", x + 20, y + h);
        g.drawString("share of", x - 4, y + h + 16);
        g.drawString("true class", x - 4, y + h + 28);
    }

    /** White to dark blue. */
    static Color blues(double t) {
        t = Math.max(0, Math.min(1, t));
        int r = (int) Math.round(247 + (8 - 247) * t);
        int gr = (int) Math.round(251 + (48 - 251) * t);
        int b = (int) Math.round(255 + (107 - 255) * t);
        return new Color(r, gr, b);
    }

    private static Graphics2D scratch() {
        return new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    }

    private static Graphics2D canvas(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(AXIS);
        return g;
    }

    private static int maxWidth(Graphics2D g, Font f, List<String> items) {
        FontMetrics fm = g.getFontMetrics(f);
        int w = 0;
        for (String s : items) w = Math.max(w, fm.stringWidth(s));
        return w;
    }

    private static void centred(Graphics2D g, Font f, String s, int cx, int baseline) {
        g.setFont(f);
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }
}
