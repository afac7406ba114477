package dev.jclip.core.model;

import dev.jclip.core.nn.Parameter;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * SigLIP's pairwise sigmoid loss (Zhai et al. 2023, open_clip's {@code SigLipLoss}): every image-text pair is a
 * binary classification, positive on the diagonal and negative elsewhere, with logits
 * {@code l_ij = exp(t) u_i . v_j + b} (u, v the L2-normalised features, t = {@code logit_scale}, b =
 * {@code logit_bias}) and loss {@code -1/B sum_ij log sigmoid(z_ij l_ij)}, z = +1 on the diagonal, -1 off it.
 *
 * <p>No softmax couples a row, so the loss is computed in blocks of image rows: each block's logits and their
 * gradient ([rows, B]) exist only while the block is processed, outside the step workspace and freed at once, so
 * native memory beyond the features is {@code rowBlock x B} whatever the batch (the [B, B] matrix of the softmax
 * loss is never formed). The log-sigmoids and their derivatives are taken in double with {@code StrictMath}, as
 * {@link ContrastiveLoss} does its log-sum-exp: the value does not depend on the JVM or the CPU.
 */
public final class SigLipLoss {
    /** Image rows per block: 256 x B logits at a time (1 MB per 1,024 pairs in float). */
    public static final int DEFAULT_ROW_BLOCK = 256;

    private SigLipLoss() {
    }

    /** Loss and gradients with respect to the unnormalised features, the raw logit scale and the bias. */
    public record Result(double loss, INDArray gradImageFeatures, INDArray gradTextFeatures, double gradLogitScale,
                         double gradLogitBias) {
    }

    /** Computes the loss and accumulates the gradients of the trainable ones of {@code logitScale} and {@code logitBias}. */
    public static Result compute(INDArray imageFeatures, INDArray textFeatures, Parameter logitScale, Parameter logitBias) {
        Result r = compute(imageFeatures, textFeatures, logitScale.value().getDouble(0), logitBias.value().getDouble(0),
                DEFAULT_ROW_BLOCK);
        if (logitScale.trainable()) logitScale.grad().addi(r.gradLogitScale());
        if (logitBias.trainable()) logitBias.grad().addi(r.gradLogitBias());
        return r;
    }

    /** The same with fixed values and an explicit block height (any positive number; the result does not depend on it beyond rounding). */
    public static Result compute(INDArray imageFeatures, INDArray textFeatures, double logitScale, double logitBias, int rowBlock) {
        long b = imageFeatures.rows();
        if (textFeatures.rows() != b) {
            throw new IllegalArgumentException("image and text batches differ: " + b + " vs " + textFeatures.rows());
        }
        if (rowBlock <= 0) throw new IllegalArgumentException("rowBlock must be positive, got " + rowBlock);
        int n = Math.toIntExact(b);
        double scale = StrictMath.exp(logitScale);
        INDArray normI = Nd4j.create(imageFeatures.dataType(), b, 1);
        INDArray normT = Nd4j.create(textFeatures.dataType(), b, 1);
        INDArray ui = ContrastiveLoss.normalise(imageFeatures, normI);
        INDArray ut = ContrastiveLoss.normalise(textFeatures, normT);
        INDArray dUi = ui.ulike();
        INDArray dUt = Nd4j.zeros(ut.dataType(), ut.shape());
        double loss = 0, dScale = 0, dBias = 0;
        for (int r0 = 0; r0 < n; r0 += rowBlock) {
            int rows = Math.min(rowBlock, n - r0);
            // the block's temporaries live outside any workspace so that they are freed here, not at the step's end
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray uiBlock = ui.get(NDArrayIndex.interval(r0, r0 + rows), NDArrayIndex.all()).dup('c');
                INDArray cos = Nd4j.gemm(uiBlock, ut, false, true);   // [rows, B]
                double[] c = cos.data().asDouble();
                double[] d = new double[rows * n];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = scale * c[i * n + j];
                        double z = r0 + i == j ? 1 : -1;
                        double x = z * (s + logitBias);
                        loss += softplus(-x);                             // -log sigmoid(x)
                        double g = -z * sigmoid(-x) / n;                  // d loss / d l_ij
                        d[i * n + j] = g;
                        dBias += g;
                        dScale += g * s;                                  // d l_ij / d t = exp(t) u_i . v_j
                    }
                }
                INDArray dBlock = Nd4j.create(d, new long[]{rows, n}, 'c').castTo(ui.dataType());
                INDArray dUiBlock = Nd4j.gemm(dBlock, ut, false, false).muli(scale);
                dUi.get(NDArrayIndex.interval(r0, r0 + rows), NDArrayIndex.all()).assign(dUiBlock);
                Nd4j.gemm(dBlock, uiBlock, dUt, true, false, scale, 1.0);  // dUt += scale dBlock^T uiBlock
                for (INDArray a : new INDArray[]{uiBlock, cos, dBlock, dUiBlock}) if (a.closeable()) a.close();
            }
        }
        return new Result(loss / n, ContrastiveLoss.normaliseBackward(ui, normI, dUi),
                ContrastiveLoss.normaliseBackward(ut, normT, dUt), dScale, dBias);
    }

    /** log(1 + e^y) without overflow. */
    static double softplus(double y) {
        return Math.max(y, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(y)));
    }

    /** 1 / (1 + e^-y) without overflow. */
    static double sigmoid(double y) {
        if (y >= 0) return 1 / (1 + StrictMath.exp(-y));
        double e = StrictMath.exp(y);
        return e / (1 + e);
    }
}
