package dev.jclip.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Cross-entropy of row-wise softmax against soft targets, the loss both caption-predicting heads use:
 * {@code loss = -sum_r sum_v t[r,v] log softmax(z[r])_v / divisor} and
 * {@code d loss / d z[r] = (softmax(z[r]) sum_v t[r,v] - t[r]) / divisor}. A one-hot target row is the usual
 * classification loss; a normalised token bag is the bag-of-words loss.
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /** The loss and d loss / d logits. */
    public record Result(double loss, INDArray gradLogits) {
    }

    /** logits [N, V], targets [N, V] (non-negative), divided by {@code divisor} (the batch's count of rows or tokens). */
    public static Result compute(INDArray logits, INDArray targets, double divisor) {
        if (!java.util.Arrays.equals(logits.shape(), targets.shape())) {
            throw new IllegalArgumentException("logits " + java.util.Arrays.toString(logits.shape()) + " and targets "
                    + java.util.Arrays.toString(targets.shape()) + " differ in shape");
        }
        INDArray logp = logSoftmax(logits);
        double loss = -targets.mul(logp).sumNumber().doubleValue() / divisor;
        INDArray mass = targets.sum(1).reshape(targets.rows(), 1);
        INDArray grad = Transforms.exp(logp, false).muliColumnVector(mass).subi(targets).divi(divisor);
        return new Result(loss, grad);
    }

    /** Row-wise log-softmax [N, V], shifted by each row's maximum so no term overflows; a new array. */
    public static INDArray logSoftmax(INDArray logits) {
        long n = logits.rows();
        INDArray shifted = logits.subColumnVector(logits.max(1).reshape(n, 1));
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(1), false).reshape(n, 1);
        return shifted.subiColumnVector(lse);
    }
}
