package dev.jclip.eval.probe;

import dev.jclip.core.nn.MatMul;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The L2-regularised multinomial logistic loss, scaled the way scikit-learn (&gt;= 1.1) scales it for L-BFGS:
 * {@code (1/n) sum_i CE_i + (1/(2 C n)) ||W||^2}, with the intercepts unpenalised. That is scikit-learn's
 * documented objective {@code C sum_i CE_i + 0.5 ||W||^2} divided by {@code C n}: same minimiser, but a value and
 * gradient of order one whatever C and n are, so one gradient tolerance fits every C of a sweep.
 *
 * <p>Parameters are packed as the K x D weight matrix (row-major) followed by the K intercepts. The two matrix
 * products per evaluation (logits {@code X W^T} and the weight gradient {@code X^T R}, R = softmax - one-hot) run
 * through {@link MatMul} in the given precision: float halves the memory read per evaluation (the products are
 * bound by reading X) and doubles the arithmetic rate, double resolves the last digits of the optimum
 * ({@link LogisticRegression#fit} uses both, in turn); the softmax, the loss and every sum over
 * samples run in double in plain Java, in sample order. Both products are cut by {@link MatMul} into row blocks of
 * the output ({@code X^T R} is [D, K], not [K, D], so that it has enough rows to share among threads), so a value
 * and gradient do not depend on the thread count. X is kept twice, as given and transposed: the transposed product
 * on X itself read strided column blocks and took 3 times the CPU time of the whole rest of an evaluation
 * (measured on 48,000 x 784 Fashion-MNIST pixels; docs/EVALUATION.md).
 */
final class SoftmaxObjective implements DifferentiableFunction {
    private final INDArray x;       // [N, D] in the working precision
    private final INDArray xT;      // X^T as its own [D, N] row-major copy: the gradient product reads it in contiguous row blocks
    private final int[] labels;
    private final int numClasses;
    private final int dims;
    private final double penalty;   // 1 / (C n)
    private final int n;

    /**
     * The features and labels of one problem, copied to ND4J once per precision when first asked for: the fits of a
     * C sweep share them (the copies of 48,000 x 784 pixels cost seconds).
     */
    static final class Design {
        private final double[][] features;
        private final int[] labels;
        private final int numClasses;
        private final java.util.Map<DataType, INDArray[]> matrices = new java.util.EnumMap<>(DataType.class);

        Design(double[][] features, int[] labels, int numClasses) {
            this.features = features;
            this.labels = labels;
            this.numClasses = numClasses;
        }

        int numClasses() {
            return numClasses;
        }

        int dims() {
            return features[0].length;
        }

        /** The objective at C with products in {@code precision} (FLOAT or DOUBLE). */
        SoftmaxObjective objective(double c, DataType precision) {
            if (precision != DataType.FLOAT && precision != DataType.DOUBLE) throw new IllegalArgumentException("precision must be FLOAT or DOUBLE, got " + precision);
            INDArray[] m = matrices.computeIfAbsent(precision, p -> {
                int n = features.length, d = dims();
                INDArray x;
                if (p == DataType.FLOAT) { // from one flat array: Nd4j.createFromArray(double[][]) took 3-5 s CPU here
                    float[] flat = new float[Math.multiplyExact(n, d)];
                    for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) flat[i * d + j] = (float) features[i][j];
                    x = Nd4j.createFromArray(flat).reshape(n, d);
                } else {
                    double[] flat = new double[Math.multiplyExact(n, d)];
                    for (int i = 0; i < n; i++) System.arraycopy(features[i], 0, flat, i * d, d);
                    x = Nd4j.createFromArray(flat).reshape(n, d);
                }
                return new INDArray[] {x, x.transpose().dup('c')};
            });
            return new SoftmaxObjective(m[0], m[1], labels, numClasses, c);
        }
    }

    private SoftmaxObjective(INDArray x, INDArray xT, int[] labels, int numClasses, double c) {
        if (!(c > 0)) throw new IllegalArgumentException("C must be positive, got " + c);
        this.x = x;
        this.xT = xT;
        this.n = (int) x.rows();
        this.dims = (int) x.columns();
        this.numClasses = numClasses;
        this.labels = labels;
        this.penalty = 1.0 / (c * n);
    }

    int parameterCount() {
        return numClasses * (dims + 1);
    }

    @Override
    public double valueAndGradient(double[] theta, double[] gradient) {
        int wSize = numClasses * dims;
        INDArray w = Nd4j.createFromArray(java.util.Arrays.copyOfRange(theta, 0, wSize)).reshape(numClasses, dims).castTo(x.dataType());
        double[] z = MatMul.gemm(x, w, false, true).reshape(-1).toDoubleVector(); // logits without intercepts, [N, K] row-major
        double crossEntropy = 0;
        double[] gb = new double[numClasses];
        for (int i = 0; i < n; i++) {
            int row = i * numClasses;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < numClasses; k++) {
                z[row + k] += theta[wSize + k];
                max = Math.max(max, z[row + k]);
            }
            double shiftedLabelLogit = z[row + labels[i]] - max;
            double sum = 0;
            for (int k = 0; k < numClasses; k++) {
                double e = StrictMath.exp(z[row + k] - max); // StrictMath: the same bits in every JIT tier
                sum += e;
                z[row + k] = e;                               // z now holds the softmax numerators
            }
            crossEntropy += StrictMath.log(sum) - shiftedLabelLogit; // CE_i = log sum_k exp(z_ik) - z_i,y_i
            for (int k = 0; k < numClasses; k++) {
                double r = z[row + k] / sum - (k == labels[i] ? 1 : 0); // softmax - one-hot
                z[row + k] = r;
                gb[k] += r;
            }
        }
        INDArray residual = Nd4j.createFromArray(z).reshape(n, numClasses).castTo(x.dataType());
        double[] gwT = MatMul.gemm(xT, residual, false, false).reshape(-1).toDoubleVector(); // X^T R, [D, K] row-major
        double squaredNorm = 0;
        for (int k = 0; k < numClasses; k++) {
            for (int j = 0; j < dims; j++) {
                int p = k * dims + j;
                squaredNorm += theta[p] * theta[p];
                gradient[p] = gwT[j * numClasses + k] / n + penalty * theta[p];
            }
        }
        for (int k = 0; k < numClasses; k++) gradient[wSize + k] = gb[k] / n;
        return crossEntropy / n + 0.5 * penalty * squaredNorm;
    }
}
