package dev.jclip.eval.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The charting facade: each kind of chart is written as a PNG that decodes at its size with something drawn. */
class ChartTest {
    @TempDir
    Path dir;

    /** Pixels clearly blue (the bars', the heatmap's and the first series' colour), not grey text or white. */
    static int countBlue(BufferedImage img) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y), r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (b > r + 60 && b > g + 20) n++;
            }
        }
        return n;
    }

    private static BufferedImage decoded(Path png, Chart chart) throws Exception {
        assertTrue(Files.size(png) > 1000, png + " is " + Files.size(png) + " bytes");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(chart.width(), img.getWidth());
        assertEquals(chart.height(), img.getHeight());
        return img;
    }

    @Test
    void lineChartWithALogAxisAndAMarker() throws Exception {
        double[] x = {1e-3, 1e-2, 1e-1, 1, 10};
        double[] y = {40, 55, 71, 69, 60};
        Chart c = Chart.line("accuracy vs C", "C", "accuracy (%)").series("validation", x, y, new Color(31, 78, 153), 3f)
                .points().logX().marker(0.1, "chosen").size(640, 400).subtitle("model on data");
        BufferedImage img = decoded(c.writePng(dir.resolve("line.png")), c);
        assertTrue(countBlue(img) > 300, "the line is drawn: " + countBlue(img));

        Chart empty = Chart.line("nothing", "C", "accuracy").series("none", new double[0], new double[0], Color.BLUE, 2f).size(300, 200);
        assertEquals(0, countBlue(decoded(empty.writePng(dir.resolve("empty.png")), empty)), "no series, no blue");
    }

    @Test
    void barsOnePerCategoryInOrderAndNanDrawsNothing() throws Exception {
        Chart c = Chart.bars("per class", "accuracy (%)", List.of("a", "b", "a"), new double[]{100, Double.NaN, 50}, 100);
        BufferedImage img = decoded(c.writePng(dir.resolve("bars.png")), c);
        assertEquals(140 + 3 * 20, img.getHeight());
        // the same name twice stays two bars: blue appears in three horizontal bands at most, one of them empty
        int[] rows = bluePerRow(img);
        int bands = 0;
        for (int y = 1; y < rows.length; y++) if (rows[y] > 0 && rows[y - 1] == 0) bands++;
        assertEquals(2, bands, "two drawn bars (NaN draws none)");
        Chart full = Chart.bars("per class", "accuracy (%)", List.of("a", "b", "c"), new double[]{100, 100, 100}, 100);
        assertEquals(3, countBands(full.image()));
    }

    @Test
    void heatmapColoursEachCellByItsShareOfTheRow() throws Exception {
        long[][] counts = {{9, 1, 0}, {0, 0, 0}, {0, 5, 5}};
        Chart c = Chart.heatmap("confusion", "predicted", "true", List.of("x", "y", "z"), counts);
        BufferedImage img = decoded(c.writePng(dir.resolve("heat.png")), c);
        assertTrue(countBlue(img) > 3 * 1000, "three coloured cells: " + countBlue(img));

        byte[] png = c.png();
        BufferedImage again = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(img.getWidth(), again.getWidth());
    }

    private static int[] bluePerRow(BufferedImage img) {
        int[] rows = new int[img.getHeight()];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y), r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (b > r + 60 && b > g + 20) rows[y]++;
            }
        }
        return rows;
    }

    private static int countBands(BufferedImage img) {
        int[] rows = bluePerRow(img);
        int bands = 0;
        for (int y = 1; y < rows.length; y++) if (rows[y] > 0 && rows[y - 1] == 0) bands++;
        return bands;
    }
}
