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

    /**
     * One rank's part of the loss over a global batch spread over ranks: rows {@code [start, start + rows)} of the
     * gathered features are this rank's. It computes the rank's block of the logits (its images against every
     * text, every image against its texts), from them the log-sum-exps of its rows and of its columns, and, once
     * the caller has gathered those from every rank ({@link Shard#finish}), the rank's share of the global loss (its
     * rows' two cross-entropies over 2G) and the exact gradient of the global loss with respect to its own
     * features and its share of the logit-scale gradient. Summing losses and logit-scale gradients over ranks
     * gives {@link #compute}'s; each rank's feature gradients equal {@link #compute}'s rows for it.
     * <p>
     * open_clip's {@code --local-loss --gather-with-grad} gets the same gradient by reduce-scattering the
     * gradient of every gathered feature (G x E values per tower); exchanging the 2G log-sum-exps instead makes
     * every softmax column known to the rank that owns it, with the same n x G block products.
     */
    public static Shard shard(INDArray allImageFeatures, INDArray allTextFeatures, int start, int rows, double logitScale) {
        return new Shard(allImageFeatures, allTextFeatures, start, rows, logitScale);
    }

    /** The first half of a rank's loss: its logit blocks and the log-sum-exps of its rows and columns. */
    public static final class Shard {
        private final int g, start, n;
        private final double scale;
        private final INDArray uiOwn, utOwn, ui, ut, normIOwn, normTOwn;
        private final double[] rowsBlock;   // [n, G]: own image i against text j, l[start + i][j]
        private final double[] colsBlock;   // [n, G]: own text j against image i, l[i][start + j]
        private final double[] lseRow, lseCol;

        private Shard(INDArray allI, INDArray allT, int start, int n, double logitScale) {
            this.g = (int) allI.rows();
            if (allT.rows() != g) throw new IllegalArgumentException("image and text batches differ: " + g + " vs " + allT.rows());
            if (start < 0 || n < 1 || start + n > g) {
                throw new IllegalArgumentException("rows [" + start + ", " + (start + n) + ") outside a batch of " + g);
            }
            this.start = start;
            this.n = n;
            this.scale = StrictMath.exp(logitScale);
            INDArray ownI = allI.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + n)).dup('c');
            INDArray ownT = allT.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + n)).dup('c');
            this.normIOwn = Nd4j.create(allI.dataType(), n, 1);
            this.normTOwn = Nd4j.create(allT.dataType(), n, 1);
            this.uiOwn = normalise(ownI, normIOwn);
            this.utOwn = normalise(ownT, normTOwn);
            this.ui = normalise(allI, null);
            this.ut = normalise(allT, null);
            this.rowsBlock = MatMul.gemm(uiOwn, ut, false, true).muli(scale).dup('c').data().asDouble();
            this.colsBlock = MatMul.gemm(utOwn, ui, false, true).muli(scale).dup('c').data().asDouble();
            this.lseRow = new double[n];
            this.lseCol = new double[n];
            for (int i = 0; i < n; i++) {
                lseRow[i] = logSumExp(rowsBlock, i * g, 1, g);
                lseCol[i] = logSumExp(colsBlock, i * g, 1, g);
            }
        }

        /** Log-sum-exp over each own image's row of the logits (n values), to gather from every rank. */
        public double[] rowLogSumExps() {
            return lseRow.clone();
        }

        /** Log-sum-exp over each own text's column of the logits (n values), to gather from every rank. */
        public double[] columnLogSumExps() {
            return lseCol.clone();
        }

        /**
         * The rank's share of the loss and its gradients, given every rank's log-sum-exps in rank order (G values
         * each). The logit-scale gradient is not accumulated here: it is one rank's share.
         */
        public Result finish(double[] allRowLse, double[] allColLse) {
            if (allRowLse.length != g || allColLse.length != g) {
                throw new IllegalArgumentException("expected " + g + " log-sum-exps, got " + allRowLse.length + " and " + allColLse.length);
            }
            double loss = 0;
            for (int i = 0; i < n; i++) {
                double diag = rowsBlock[i * g + start + i];
                loss += (lseRow[i] - diag) + (lseCol[i] - diag);
            }
            loss /= 2.0 * g;
            // d loss / d l_ij = (softmax over row i + softmax over column j - 2 [i == j]) / (2G), as in compute()
            double[] dRows = new double[n * g];   // own rows i, every column j
            double[] dCols = new double[n * g];   // own columns j, every row i
            double dLogitScale = 0;
            for (int i = 0; i < n; i++) {
                int gi = start + i;
                for (int j = 0; j < g; j++) {
                    double l = rowsBlock[i * g + j];
                    double d = (StrictMath.exp(l - lseRow[i]) + StrictMath.exp(l - allColLse[j]) - (gi == j ? 2 : 0)) / (2.0 * g);
                    dRows[i * g + j] = d;
                    dLogitScale += d * l;
                    double lc = colsBlock[i * g + j];   // l[j][gi]
                    dCols[i * g + j] = (StrictMath.exp(lc - allRowLse[j]) + StrictMath.exp(lc - lseCol[i]) - (gi == j ? 2 : 0)) / (2.0 * g);
                }
            }
            INDArray dRowsM = Nd4j.create(dRows, new long[]{n, g}, 'c').castTo(ui.dataType());
            INDArray dColsM = Nd4j.create(dCols, new long[]{n, g}, 'c').castTo(ui.dataType());
            INDArray dUi = MatMul.gemm(dRowsM, ut, false, false).muli(scale);
            INDArray dUt = MatMul.gemm(dColsM, ui, false, false).muli(scale);
            return new Result(loss, null, normaliseBackward(uiOwn, normIOwn, dUi), normaliseBackward(utOwn, normTOwn, dUt), dLogitScale);
        }
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
