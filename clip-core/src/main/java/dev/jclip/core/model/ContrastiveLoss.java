package dev.jclip.core.model;

import dev.jclip.core.nn.Ops;
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
        return Nd4j.gemm(ui, ut, false, true).muli(Math.exp(logitScale));
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
        double scale = Math.exp(logitScale);
        INDArray normI = Nd4j.create(imageFeatures.dataType(), b, 1);
        INDArray normT = Nd4j.create(textFeatures.dataType(), b, 1);
        INDArray ui = normalise(imageFeatures, normI);
        INDArray ut = normalise(textFeatures, normT);
        INDArray logits = Nd4j.gemm(ui, ut, false, true).muli(scale);   // [B, B]

        INDArray pRows = Ops.softmaxRowsInPlace(logits.dup('c'));           // image -> text
        INDArray pCols = Ops.softmaxRowsInPlace(logits.transpose().dup('c')); // text -> image
        double loss = 0;
        for (int i = 0; i < b; i++) {
            loss -= Math.log(pRows.getDouble(i, i)) + Math.log(pCols.getDouble(i, i));
        }
        loss /= 2.0 * b;

        // d loss / d logits = ((P_rows - I) + (P_cols - I)^T) / (2B)
        INDArray eye = Nd4j.eye(b).castTo(logits.dataType());
        INDArray dLogits = pRows.subi(eye).addi(pCols.subi(eye).transpose()).divi(2.0 * b);
        double dLogitScale = dLogits.mul(logits).sumNumber().doubleValue();
        INDArray dUi = Nd4j.gemm(dLogits, ut, false, false).muli(scale);
        INDArray dUt = Nd4j.gemm(dLogits, ui, true, false).muli(scale);
        return new Result(loss, logits, normaliseBackward(ui, normI, dUi), normaliseBackward(ut, normT, dUt), dLogitScale);
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
