package dev.jclip.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    /** Hand-computed: 4 samples, 3 classes, one tie at the top. */
    @Test
    void handComputedExample() {
        double[][] scores = {
                {0.9, 0.1, 0.0},   // true 0: rank 0 -> hit, predicted 0
                {0.5, 0.5, 0.1},   // true 1: tie with class 0 at top -> counts against: rank 1, predicted 0
                {0.2, 0.7, 0.1},   // true 2: rank 2, predicted 1
                {0.3, 0.2, 0.4},   // true 2: rank 0, predicted 2
        };
        int[] labels = {0, 1, 2, 2};
        ClassificationMetrics m = ClassificationMetrics.of(scores, labels, 3);
        assertEquals(0.5, m.top1(), 1e-12);
        assertEquals(0.75, ClassificationMetrics.topK(scores, labels, 2), 1e-12);
        assertEquals(1.0, m.top5(), 1e-12);
        long[][] expected = {{1, 0, 0}, {1, 0, 0}, {0, 1, 1}};
        for (int c = 0; c < 3; c++) assertArrayEquals(expected[c], m.confusion()[c]);
        assertArrayEquals(new double[] {1.0, 0.0, 0.5}, m.perClassRecall(), 1e-12);
        assertEquals(0.5, m.meanPerClassRecall(), 1e-12);
        assertArrayEquals(new long[] {1, 1, 2}, m.classCounts());
    }

    @Test
    void constantScoresScoreZero() {
        double[][] scores = {{1, 1, 1}, {1, 1, 1}};
        ClassificationMetrics m = ClassificationMetrics.of(scores, new int[] {0, 2}, 3);
        assertEquals(0.0, m.top1());
        assertEquals(0.0, ClassificationMetrics.topK(scores, new int[] {0, 2}, 2));
        assertEquals(1.0, ClassificationMetrics.topK(scores, new int[] {0, 2}, 3));
    }

    @Test
    void classWithoutSamplesIsLeftOutOfTheMean() {
        double[][] scores = {{1, 0, 0}, {0, 1, 0}, {1, 0, 0}};
        ClassificationMetrics m = ClassificationMetrics.of(scores, new int[] {0, 1, 1}, 3);
        assertTrue(Double.isNaN(m.perClassRecall()[2]));
        assertEquals((1.0 + 0.5) / 2, m.meanPerClassRecall(), 1e-12);
    }

    /** Against a naive sort-based implementation on random scores with many ties. */
    @Test
    void matchesNaiveSortOnRandomTiedScores() {
        Random rnd = new Random(7);
        int n = 300;
        int c = 8;
        double[][] scores = new double[n][c];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(c);
            for (int j = 0; j < c; j++) scores[i][j] = rnd.nextInt(4); // heavy ties
        }
        ClassificationMetrics m = ClassificationMetrics.of(scores, labels, c);
        for (int k : new int[] {1, 2, 3, 5, 8}) {
            assertEquals(naiveTopK(scores, labels, k), ClassificationMetrics.topK(scores, labels, k), 1e-12, "k=" + k);
        }
        assertEquals(naiveTopK(scores, labels, 1), m.top1(), 1e-12);
        assertEquals(naiveTopK(scores, labels, 5), m.top5(), 1e-12);
        // Naive confusion: predicted = first class after sorting by score desc with wrong classes first on ties.
        long[][] conf = new long[c][c];
        for (int i = 0; i < n; i++) conf[labels[i]][sortedPessimistic(scores[i], labels[i]).get(0)]++;
        for (int a = 0; a < c; a++) assertArrayEquals(conf[a], m.confusion()[a]);
        double diag = 0;
        for (int a = 0; a < c; a++) diag += conf[a][a];
        assertEquals(diag / n, m.top1(), 1e-12);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new double[][] {{Double.NaN, 1}}, new int[] {0}, 2));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new double[][] {{0, 1}}, new int[] {2}, 2));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new double[][] {{0, 1}}, new int[] {0, 1}, 2));
    }

    /** Classes sorted by descending score; ties broken with wrong classes first, then by index. */
    static List<Integer> sortedPessimistic(double[] s, int truth) {
        List<Integer> idx = new ArrayList<>();
        for (int j = 0; j < s.length; j++) idx.add(j);
        idx.sort(Comparator.<Integer>comparingDouble(j -> -s[j]).thenComparing(j -> j == truth ? 1 : 0).thenComparing(j -> j));
        return idx;
    }

    static double naiveTopK(double[][] scores, int[] labels, int k) {
        int hits = 0;
        for (int i = 0; i < scores.length; i++) {
            if (sortedPessimistic(scores[i], labels[i]).subList(0, Math.min(k, scores[i].length)).contains(labels[i])) hits++;
        }
        return (double) hits / scores.length;
    }
}
