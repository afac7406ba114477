package dev.jclip.core.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loss split over ranks: shares of loss and logit-scale gradient sum to the whole batch's, and each rank's
 * feature gradients are the whole batch's rows (which ContrastiveLossTest checks against the textbook formula).
 */
class ContrastiveLossShardTest {

    private static void check(int g, int ranks, DataType t, double tol) {
        INDArray img = Nd4j.randn(3, new long[]{g, 7}).castTo(t);
        INDArray txt = Nd4j.randn(4, new long[]{g, 7}).castTo(t).addi(img.mul(0.5));
        double logitScale = Math.log(9);
        ContrastiveLoss.Result whole = ContrastiveLoss.compute(img, txt, logitScale);
        int n = g / ranks;
        ContrastiveLoss.Shard[] shards = new ContrastiveLoss.Shard[ranks];
        double[] rowLse = new double[g], colLse = new double[g];
        for (int r = 0; r < ranks; r++) {   // the gather: every rank's log-sum-exps in rank order
            shards[r] = ContrastiveLoss.shard(img, txt, r * n, n, logitScale);
            System.arraycopy(shards[r].rowLogSumExps(), 0, rowLse, r * n, n);
            System.arraycopy(shards[r].columnLogSumExps(), 0, colLse, r * n, n);
        }
        double loss = 0, dScale = 0;
        for (int r = 0; r < ranks; r++) {
            ContrastiveLoss.Result part = shards[r].finish(rowLse, colLse);
            loss += part.loss();
            dScale += part.gradLogitScale();
            INDArray wantI = whole.gradImageFeatures().get(NDArrayIndex.interval(r * n, (r + 1) * n));
            INDArray wantT = whole.gradTextFeatures().get(NDArrayIndex.interval(r * n, (r + 1) * n));
            assertTrue(part.gradImageFeatures().sub(wantI).norm2Number().doubleValue() <= tol * wantI.norm2Number().doubleValue(),
                    "image gradient of rank " + r);
            assertTrue(part.gradTextFeatures().sub(wantT).norm2Number().doubleValue() <= tol * wantT.norm2Number().doubleValue(),
                    "text gradient of rank " + r);
        }
        assertEquals(whole.loss(), loss, tol * whole.loss());
        assertEquals(whole.gradLogitScale(), dScale, tol * Math.abs(whole.gradLogitScale()));
    }

    @Test
    void sharesAddUpToTheWholeBatch() {
        check(12, 1, DataType.DOUBLE, 1e-13);
        check(12, 2, DataType.DOUBLE, 1e-13);
        check(12, 4, DataType.DOUBLE, 1e-13);
        check(16, 4, DataType.FLOAT, 1e-5);
    }

    @Test
    void rowsOutsideTheBatchAreRefused() {
        INDArray f = Nd4j.randn(1, new long[]{4, 3});
        assertThrows(IllegalArgumentException.class, () -> ContrastiveLoss.shard(f, f, 3, 2, 0));
        ContrastiveLoss.Shard s = ContrastiveLoss.shard(f, f, 0, 2, 0);
        assertThrows(IllegalArgumentException.class, () -> s.finish(new double[2], new double[4]));
    }
}
