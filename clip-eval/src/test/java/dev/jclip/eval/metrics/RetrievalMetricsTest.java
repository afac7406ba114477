package dev.jclip.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {

    /**
     * Hand-computed: 3 images, 5 captions (image 0 has captions 0,1; image 1 has 2,3; image 2 has 4).
     */
    @Test
    void handComputedWithTiesAndSeveralCaptions() {
        double[][] sim = {
                // t0   t1   t2   t3   t4
                {0.1, 0.8, 0.9, 0.2, 0.0}, // img0: best correct t1 (0.8); wrong above: t2 -> rank 1
                {0.5, 0.1, 0.5, 0.3, 0.2}, // img1: best correct t2 (0.5); t0 ties at 0.5 -> counts against -> rank 1
                {0.3, 0.2, 0.1, 0.0, 0.9}, // img2: t4 top -> rank 0
        };
        int[] textToImage = {0, 0, 1, 1, 2};
        RetrievalMetrics m = RetrievalMetrics.of(sim, textToImage, 1, 2, 10);
        assertEquals(1.0 / 3, m.imageToText().get(1), 1e-12);
        assertEquals(1.0, m.imageToText().get(2), 1e-12);
        assertEquals(1.0, m.imageToText().get(10), 1e-12);
        // Text queries (columns):
        // t0 -> img0 0.1; others 0.5, 0.3 -> rank 2
        // t1 -> img0 0.8; others 0.1, 0.2 -> rank 0
        // t2 -> img1 0.5; others 0.9, 0.1 -> rank 1
        // t3 -> img1 0.3; others 0.2, 0.0 -> rank 0
        // t4 -> img2 0.9; others 0.0, 0.2 -> rank 0
        assertEquals(3.0 / 5, m.textToImage().get(1), 1e-12);
        assertEquals(4.0 / 5, m.textToImage().get(2), 1e-12);
        assertEquals(1.0, m.textToImage().get(10), 1e-12);
    }

    @Test
    void exactTieCountsAgainstTextQuery() {
        double[][] sim = {{0.9, 0.4}, {0.0, 0.4}};
        RetrievalMetrics m = RetrievalMetrics.of(sim, new int[] {0, 1}, 1, 2);
        // t0 -> img0 wins outright; t1 ties between img0 and img1 -> miss at 1, hit at 2
        assertEquals(0.5, m.textToImage().get(1));
        assertEquals(1.0, m.textToImage().get(2));
        // img1's caption t1 (0.4) is beaten by t0? no: t0 scores 0.0 for img1 -> hit
        assertEquals(1.0, m.imageToText().get(1));
    }

    /** Against a naive implementation that sorts every list explicitly. */
    @Test
    void matchesNaiveSortOnRandomTiedScores() {
        Random rnd = new Random(3);
        int images = 40;
        int texts = 90;
        int[] textToImage = new int[texts];
        for (int t = 0; t < texts; t++) textToImage[t] = t < images ? t : rnd.nextInt(images); // every image has one
        double[][] sim = new double[images][texts];
        for (double[] row : sim) for (int t = 0; t < texts; t++) row[t] = rnd.nextInt(5) / 4.0;
        int[] ks = {1, 5, 10};
        RetrievalMetrics m = RetrievalMetrics.of(sim, textToImage, ks);
        for (int k : ks) {
            int hits = 0;
            for (int i = 0; i < images; i++) {
                final int img = i;
                List<Integer> order = sorted(texts, t -> sim[img][t], t -> textToImage[t] == img);
                for (int p = 0; p < k; p++) if (textToImage[order.get(p)] == i) { hits++; break; }
            }
            assertEquals((double) hits / images, m.imageToText().get(k), 1e-12, "i2t k=" + k);
            hits = 0;
            for (int t = 0; t < texts; t++) {
                final int txt = t;
                List<Integer> order = sorted(images, i -> sim[i][txt], i -> textToImage[txt] == i);
                if (order.subList(0, k).contains(textToImage[t])) hits++;
            }
            assertEquals((double) hits / texts, m.textToImage().get(k), 1e-12, "t2i k=" + k);
        }
    }

    @Test
    void rejectsImageWithoutCaption() {
        assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.of(new double[][] {{1}, {0}}, new int[] {0}, 1));
    }

    interface Score { double of(int j); }
    interface Correct { boolean of(int j); }

    private static List<Integer> sorted(int n, Score s, Correct c) {
        List<Integer> idx = new ArrayList<>();
        for (int j = 0; j < n; j++) idx.add(j);
        idx.sort(Comparator.<Integer>comparingDouble(j -> -s.of(j)).thenComparing(j -> c.of(j) ? 1 : 0).thenComparing(j -> j));
        return idx;
    }
}
