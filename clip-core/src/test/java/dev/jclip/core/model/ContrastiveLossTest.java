package dev.jclip.core.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss as log-sum-exp: finite for any finite logits, and equal to the textbook formula where that is finite. */
class ContrastiveLossTest {

    private static INDArray rows(DataType t, double[][] r) {
        return Nd4j.createFromArray(r).castTo(t);
    }

    private static void allFinite(INDArray a, String what) {
        for (double v : a.dup().data().asDouble()) assertTrue(Double.isFinite(v), what + " has " + v);
    }

    @Test
    void aLogitGapOf1e4GivesAFiniteLossAndGradients() {
        // unit features, scale 1e4: logits are 0 or 1e4. Image 0's text is text 1's twin, so row 0 misses by 1e4.
        double[][] img = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        double[][] txt = {{0, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            ContrastiveLoss.Result r = ContrastiveLoss.compute(rows(t, img), rows(t, txt), Math.log(1e4));
            // rows: 1e4 (image 0), 0, 0, 0; columns: ln 4 (text 0 matches nothing), ln 2 (text 1 ties), 0, 0
            double expected = (1e4 + Math.log(4) + Math.log(2)) / 8;
            assertEquals(expected, r.loss(), 1e-9 * expected, t.toString());
            allFinite(r.gradImageFeatures(), t + " image gradient");
            allFinite(r.gradTextFeatures(), t + " text gradient");
            assertTrue(Double.isFinite(r.gradLogitScale()), t + " logit scale gradient " + r.gradLogitScale());
        }
    }

    @Test
    void matchesTheTextbookLossAndItsFiniteDifferences() {
        Random rnd = new Random(2);
        int n = 5, e = 6;
        double[][] img = new double[n][e], txt = new double[n][e];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < e; k++) {
                img[i][k] = rnd.nextGaussian();
                txt[i][k] = rnd.nextGaussian();
            }
        }
        double logScale = Math.log(20);
        ContrastiveLoss.Result r = ContrastiveLoss.compute(rows(DataType.DOUBLE, img), rows(DataType.DOUBLE, txt), logScale);
        assertEquals(NaiveContrastiveLoss.of(img, txt, 20), r.loss(), 1e-12);
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < e; k++) {
                double keep = img[i][k];
                img[i][k] = keep + h;
                double up = NaiveContrastiveLoss.of(img, txt, 20);
                img[i][k] = keep - h;
                double down = NaiveContrastiveLoss.of(img, txt, 20);
                img[i][k] = keep;
                assertEquals((up - down) / (2 * h), r.gradImageFeatures().getDouble(i, k), 1e-7, "d/d img[" + i + "][" + k + "]");
            }
        }
        double up = NaiveContrastiveLoss.of(img, txt, Math.exp(logScale + h)), down = NaiveContrastiveLoss.of(img, txt, Math.exp(logScale - h));
        assertEquals((up - down) / (2 * h), r.gradLogitScale(), 1e-7, "d/d logit_scale");
    }
}
