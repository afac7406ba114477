package dev.jclip.core.model;

import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.Parameter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * CLIP's symmetric InfoNCE loss over a batch of matching pairs: features are L2-normalised, cosine similarities
 * scaled by exp(logit_scale), and the loss is the mean of the image-to-text and text-to-image cross-entropies
 * with the diagonal as the target. Returns the feature gradients so towers can backpropagate them separately
 * (which is what feature-cached gradient accumulation needs).
 */
public final class ContrastiveLoss {
    private ContrastiveLoss() {
    }

    /** Loss value, logits and the gradients with respect to the unnormalised features. */
    public record Result(double loss, INDArray logitsPerImage, INDArray gradImageFeatures, INDArray gradTextFeatures,
                         double gradLogitScale) {
    }

    /** Logits only (no gradients): [B_img, B_txt], row i = image i against every text. */
    public static INDArray logits(INDArray imageFeatures, INDArray textFeatures, double logitScale) {
        INDArray ui = normalise(imageFeatures, null);
        INDArray ut = normalise(textFeatures, null);
        return MatMul.gemm(ui, ut, false, true).muli(StrictMath.exp(logitScale));
    }

    /**
     * Computes the loss and its gradients; when {@code logitScale} is trainable its gradient is accumulated too.
     */
    public static Result compute(INDArray imageFeatures, INDArray textFeatures, Parameter logitScale) {
        double rawScale = logitScale.value().getDouble(0);
        Result r = compute(imageFeatures, textFeatures, rawScale);
        if (logitScale.trainable()) logitScale.grad().addi(r.gradLogitScale());
        return r;
    }

    /** The same with a fixed logit scale (the log of the temperature's inverse). */
    public static Result compute(INDArray imageFeatures, INDArray textFeatures, double logitScale) {
        long b = imageFeatures.rows();
        if (textFeatures.rows() != b) {
            throw new IllegalArgumentException("image and text batches differ: " + b + " vs " + textFeatures.rows());
        }
        double scale = StrictMath.exp(logitScale);
        INDArray normI = Nd4j.create(imageFeatures.dataType(), b, 1);
        INDArray normT = Nd4j.create(textFeatures.dataType(), b, 1);
        INDArray ui = normalise(imageFeatures, normI);
        INDArray ut = normalise(textFeatures, normT);
        INDArray logits = MatMul.gemm(ui, ut, false, true).muli(scale);   // [B, B]

        // cross-entropy as log-sum-exp in double: lse - l_ii, finite for any finite logits (log(softmax) in float
        // gave -inf once a gap exceeded ~104); StrictMath so the value does not depend on the JVM or the CPU
        int n = (int) b;
        double[] l = logits.dup('c').data().asDouble();
        double[] lseRow = new double[n], lseCol = new double[n];
        for (int i = 0; i < n; i++) {
            lseRow[i] = logSumExp(l, i * n, 1, n);
            lseCol[i] = logSumExp(l, i, n, n);
        }
        double loss = 0;
        for (int i = 0; i < n; i++) loss += (lseRow[i] - l[i * n + i]) + (lseCol[i] - l[i * n + i]);
        loss /= 2.0 * n;

        // d loss / d l_ij = (softmax over row i + softmax over column j - 2 [i == j]) / (2B)
        double[] dl = new double[n * n];
        double dLogitScale = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double g = StrictMath.exp(l[i * n + j] - lseRow[i]) + StrictMath.exp(l[i * n + j] - lseCol[j]) - (i == j ? 2 : 0);
                dl[i * n + j] = g / (2.0 * n);
                dLogitScale += dl[i * n + j] * l[i * n + j];
            }
        }
        INDArray dLogits = Nd4j.create(dl, new long[]{n, n}, 'c').castTo(logits.dataType());
        INDArray dUi = MatMul.gemm(dLogits, ut, false, false).muli(scale);
        INDArray dUt = MatMul.gemm(dLogits, ui, true, false).muli(scale);
        return new Result(loss, logits, normaliseBackward(ui, normI, dUi), normaliseBackward(ut, normT, dUt), dLogitScale);
    }

    /** log sum_k exp(x[from + k * stride]), k < n, shifted by the maximum so no term overflows. */
    static double logSumExp(double[] x, int from, int stride, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) max = Math.max(max, x[from + k * stride]);
        double sum = 0;
        for (int k = 0; k < n; k++) sum += StrictMath.exp(x[from + k * stride] - max);
        return max + StrictMath.log(sum);
    }

    /** x / ||x|| per row; writes the norms into {@code norms} [N, 1] when given. */
    public static INDArray normalise(INDArray x, INDArray norms) {
        INDArray n = Transforms.sqrt(x.mul(x).sum(1), false).reshape(x.rows(), 1);
        if (norms != null) norms.assign(n);
        return x.divColumnVector(n);
    }

    /** Gradient of y = x / ||x||: (dy - y (y . dy)) / ||x||. */
    static INDArray normaliseBackward(INDArray y, INDArray norms, INDArray dy) {
        INDArray dot = y.mul(dy).sum(1).reshape(y.rows(), 1);
        return dy.sub(y.mulColumnVector(dot)).diviColumnVector(norms);
    }
}
