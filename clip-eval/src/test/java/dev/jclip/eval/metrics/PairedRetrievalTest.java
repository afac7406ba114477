package dev.jclip.eval.metrics;

import dev.jclip.eval.features.Vectors;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The streaming recall equals RetrievalMetrics over the full similarity matrix, ties included. */
class PairedRetrievalTest {
    private static float[][] random(int n, int d, SplittableRandom r) {
        float[][] out = new float[n][d];
        for (float[] row : out) for (int j = 0; j < d; j++) row[j] = (float) r.nextGaussian();
        return out;
    }

    @Test
    void equalsTheFullMatrixComputation() {
        SplittableRandom r = new SplittableRandom(4);
        for (int trial = 0; trial < 5; trial++) {
            int n = 30 + 17 * trial;
            float[][] img = random(n, 8, r);
            float[][] txt = random(n, 8, r);
            // related pairs, so recalls are neither 0 nor 1; and exact ties: two identical texts
            for (int i = 0; i < n; i++) for (int j = 0; j < 8; j++) txt[i][j] += (float) (trial * 0.5) * img[i][j];
            txt[1] = txt[0].clone();
            img[3] = img[2].clone();
            double[][] ui = Vectors.normalisedRows(img);
            double[][] ut = Vectors.normalisedRows(txt);
            int[] identity = new int[n];
            for (int i = 0; i < n; i++) identity[i] = i;
            RetrievalMetrics naive = RetrievalMetrics.of(Vectors.dotProducts(ui, ut), identity, 1, 5, 10);
            RetrievalMetrics streamed = PairedRetrieval.of(ui, ut, 1, 5, 10);
            assertEquals(naive, streamed, "trial " + trial);
        }
    }

    @Test
    void refusesMismatchedOrNonFiniteInput() {
        assertThrows(IllegalArgumentException.class, () -> PairedRetrieval.of(new double[2][3], new double[3][3], 1));
        double[][] nan = {{Double.NaN, 0}, {1, 0}};
        assertThrows(IllegalArgumentException.class, () -> PairedRetrieval.of(nan, new double[][] {{1, 0}, {0, 1}}, 1));
    }
}
