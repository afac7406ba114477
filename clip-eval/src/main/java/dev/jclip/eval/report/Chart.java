package dev.jclip.eval.report;

import dev.jclip.core.io.AtomicFile;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The charts of the reports and the demo, drawn by JFreeChart and rendered headless to PNG: line charts
 * ({@link #line}), horizontal bars ({@link #bars}) and heatmaps ({@link #heatmap}). One small facade, so that the
 * charting library is used in one place and every chart looks alike.
 */
public final class Chart {
    private static final Color BAR = new Color(52, 101, 164);
    private static final Color GRID = new Color(225, 225, 225);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);

    static {
        // reports are written by servers and CI machines without a display
        System.setProperty("java.awt.headless", System.getProperty("java.awt.headless", "true"));
    }

    private final JFreeChart chart;
    private final int width;
    private final int height;

    private Chart(JFreeChart chart, int width, int height) {
        this.chart = chart;
        this.width = width;
        this.height = height;
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
    }

    /** A line chart to add series to. */
    public static Line line(String title, String xLabel, String yLabel) {
        return new Line(title, xLabel, yLabel);
    }

    /**
     * One horizontal bar per category, in the given order (top to bottom); a NaN value draws no bar. Category
     * labels are left out above 60 categories, where they could not be read.
     */
    public static Chart bars(String title, String valueLabel, List<String> categories, double[] values, double maxValue) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int i = 0; i < categories.size(); i++) {
            // the same name twice would be one category: the index keeps them apart
            data.addValue(Double.isNaN(values[i]) ? null : values[i], "value", new Indexed(i, categories.get(i)));
        }
        JFreeChart c = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.HORIZONTAL, false, false, false);
        CategoryPlot plot = c.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.getRangeAxis().setRange(0, maxValue);
        plot.getDomainAxis().setTickLabelsVisible(categories.size() <= 60);
        plot.getDomainAxis().setTickLabelFont(SMALL);
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, BAR);
        r.setMaximumBarWidth(0.9);
        int row = categories.size() <= 40 ? 20 : 6;
        return new Chart(c, 760, 140 + row * categories.size());
    }

    /**
     * A square heatmap of {@code counts} (rows are {@code names} on the y axis, top to bottom; columns the same names
     * on the x axis): a cell's colour is its share of its row, so rare rows read as clearly as common ones, and for up
     * to 25 names each non-zero cell shows its count. Names are left out above 60.
     */
    public static Chart heatmap(String title, String xLabel, String yLabel, List<String> names, long[][] counts) {
        int n = names.size();
        double[] xs = new double[n * n], ys = new double[n * n], zs = new double[n * n];
        List<XYTextAnnotation> labels = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            long rowSum = 0;
            for (long v : counts[t]) rowSum += v;
            for (int p = 0; p < n; p++) {
                int k = t * n + p;
                xs[k] = p;
                ys[k] = t;
                zs[k] = rowSum == 0 ? 0 : (double) counts[t][p] / rowSum;
                if (n <= 25 && counts[t][p] > 0) {
                    XYTextAnnotation a = new XYTextAnnotation(Long.toString(counts[t][p]), p, t);
                    a.setFont(SMALL);
                    a.setPaint(zs[k] > 0.5 ? Color.WHITE : Color.BLACK);
                    labels.add(a);
                }
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("share", new double[][]{xs, ys, zs});
        XYBlockRenderer renderer = new XYBlockRenderer();
        LookupPaintScale scale = blues();
        renderer.setPaintScale(scale);
        NumberAxis xAxis = axis(xLabel, names);
        xAxis.setVerticalTickLabels(true);   // long class names side by side would overlap
        XYPlot plot = new XYPlot(data, xAxis, axis(yLabel, names), renderer);
        plot.getRangeAxis().setInverted(true);   // the first row at the top, as a matrix is read
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        labels.forEach(plot::addAnnotation);
        JFreeChart c = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis shareAxis = new NumberAxis("share of the row");
        shareAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, shareAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.TOP_OR_RIGHT);
        legend.setMargin(new RectangleInsets(40, 8, 40, 8));
        c.addSubtitle(legend);
        int grid = Math.min(720, Math.max(240, 28 * n));
        int labelSpace = n <= 60 ? 200 : 80;
        return new Chart(c, grid + labelSpace + 120, grid + labelSpace + 60);
    }

    /** Adds a line of smaller text under the title. */
    public Chart subtitle(String text) {
        if (text != null && !text.isEmpty()) chart.addSubtitle(0, new TextTitle(text, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        return this;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The chart drawn at its size. */
    public BufferedImage image() {
        return chart.createBufferedImage(width, height, BufferedImage.TYPE_INT_RGB, null);
    }

    /** The chart as PNG bytes (for embedding, e.g. as a data URI). */
    public byte[] png() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image(), "png", out)) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the PNG to {@code file} (atomically) and returns the file. */
    public Path writePng(Path file) throws IOException {
        byte[] png = png();
        AtomicFile.write(file, tmp -> Files.write(tmp, png));
        return file;
    }

    /** A line chart being built: series, a logarithmic x axis, vertical markers. */
    public static final class Line {
        private final String title;
        private final String xLabel;
        private final String yLabel;
        private final XYSeriesCollection data = new XYSeriesCollection();
        private final List<Color> colours = new ArrayList<>();
        private final List<Float> widths = new ArrayList<>();
        private final List<ValueMarker> markers = new ArrayList<>();
        private final List<ValueMarker> levels = new ArrayList<>();
        private YIntervalSeriesCollection withErrors;
        private Color errorColour;
        private double logBase;
        private boolean showPoints;

        private Line(String title, String xLabel, String yLabel) {
            this.title = title;
            this.xLabel = xLabel;
            this.yLabel = yLabel;
        }

        /** A series drawn in {@code colour} with a line {@code width} pixels wide; NaN points are left out. */
        public Line series(String name, double[] x, double[] y, Color colour, float width) {
            XYSeries s = new XYSeries(name, false, true);
            for (int i = 0; i < x.length; i++) if (Double.isFinite(x[i]) && Double.isFinite(y[i])) s.add(x[i], y[i]);
            data.addSeries(s);
            colours.add(colour);
            widths.add(width);
            return this;
        }

        /** The x axis in powers of ten (positive x only). */
        public Line logX() {
            return logX(10);
        }

        /** The x axis logarithmic in {@code base} (positive x only): 2 for shot counts, 10 for regularisation. */
        public Line logX(double base) {
            logBase = base;
            return this;
        }

        /**
         * A series drawn as a line through dots with a vertical error bar from y - err to y + err at each point
         * (an err that is NaN or 0 draws no bar). One such series per chart.
         */
        public Line seriesWithErrors(String name, double[] x, double[] y, double[] err, Color colour) {
            YIntervalSeries s = new YIntervalSeries(name, false, true);
            for (int i = 0; i < x.length; i++) {
                double e = Double.isNaN(err[i]) ? 0 : err[i];
                s.add(x[i], y[i], y[i] - e, y[i] + e);
            }
            withErrors = new YIntervalSeriesCollection();
            withErrors.addSeries(s);
            errorColour = colour;
            return this;
        }

        /** A dashed horizontal line at {@code y} in {@code colour}, labelled (a reference level such as zero-shot's). */
        public Line level(double y, String label, Color colour) {
            ValueMarker m = new ValueMarker(y, colour, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[]{6f, 4f}, 0f));
            m.setLabel(label);
            m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            m.setLabelPaint(colour);
            m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
            m.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_LEFT);
            levels.add(m);
            return this;
        }

        /** A dot at every point as well as the line. */
        public Line points() {
            showPoints = true;
            return this;
        }

        /** A dashed vertical line at {@code x} with a label. */
        public Line marker(double x, String label) {
            return marker(x, label, new Color(192, 80, 77));
        }

        /** A dashed vertical line at {@code x} in {@code colour} with a label. */
        public Line marker(double x, String label, Color colour) {
            ValueMarker m = new ValueMarker(x, colour, new BasicStroke(1.2f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10f, new float[]{4f, 4f}, 0f));
            m.setLabel(label);
            m.setLabelFont(SMALL);
            markers.add(m);
            return this;
        }

        /** The chart at {@code width} x {@code height} pixels. */
        public Chart size(int width, int height) {
            JFreeChart c = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                    data.getSeriesCount() > 1, false, false);
            XYPlot plot = c.getXYPlot();
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(GRID);
            plot.setRangeGridlinePaint(GRID);
            if (logBase > 0) {
                LogAxis axis = new LogAxis(xLabel);
                axis.setBase(logBase);
                axis.setSmallestValue(1e-12);
                if (logBase == 2) axis.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
                plot.setDomainAxis(axis);
            }
            ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, showPoints);
            for (int i = 0; i < colours.size(); i++) {
                r.setSeriesPaint(i, colours.get(i));
                r.setSeriesStroke(i, new BasicStroke(widths.get(i)));
            }
            plot.setRenderer(r);
            if (withErrors != null) {
                XYErrorRenderer e = new XYErrorRenderer();
                e.setDrawXError(false);
                e.setDefaultLinesVisible(true);
                e.setSeriesPaint(0, errorColour);
                e.setErrorPaint(errorColour);
                e.setSeriesStroke(0, new BasicStroke(2f));
                plot.setDataset(1, withErrors);
                plot.setRenderer(1, e);
            }
            markers.forEach(plot::addDomainMarker);
            levels.forEach(plot::addRangeMarker);
            return new Chart(c, width, height);
        }
    }

    /** A category whose label is its name, kept apart from another of the same name by its index. */
    private record Indexed(int index, String name) implements Comparable<Indexed> {
        @Override
        public String toString() {
            return name;
        }

        @Override
        public int compareTo(Indexed o) {
            return Integer.compare(index, o.index);
        }
    }

    /** A number axis whose ticks are {@code names} at 0, 1, ... (no labels above 60 names). */
    private static NumberAxis axis(String label, List<String> names) {
        NumberAxis a = names.size() <= 60 ? new SymbolAxis(label, names.toArray(String[]::new)) : new NumberAxis(label);
        a.setRange(-0.5, names.size() - 0.5);
        a.setTickLabelFont(SMALL);
        a.setTickLabelsVisible(names.size() <= 60);
        if (a instanceof SymbolAxis s) s.setGridBandsVisible(false);
        return a;
    }

    /** White to dark blue in 64 steps over [0, 1]. */
    private static LookupPaintScale blues() {
        LookupPaintScale s = new LookupPaintScale(0, 1.0000001, Color.WHITE);
        for (int i = 0; i < 64; i++) {
            double t = i / 63.0;
            s.add(i / 64.0, new Color((int) Math.round(247 - t * (247 - 8)), (int) Math.round(251 - t * (251 - 48)),
                    (int) Math.round(255 - t * (255 - 107))));
        }
        return s;
    }
}
