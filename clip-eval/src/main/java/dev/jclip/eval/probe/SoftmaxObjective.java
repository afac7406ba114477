package dev.jclip.eval.probe;

import dev.jclip.core.nn.MatMul;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The L2-regularised multinomial logistic loss, scaled the way scikit-learn (&gt;= 1.1) scales it for L-BFGS:
 * {@code (1/n) sum_i CE_i + (1/(2 C n)) ||W||^2}, with the intercepts unpenalised. That is scikit-learn's
 * documented objective {@code C sum_i CE_i + 0.5 ||W||^2} divided by {@code C n}: same minimiser, but a value and
 * gradient of order one whatever C and n are, so one gradient tolerance fits every C of a sweep.
 *
 * <p>Parameters are packed as the C x D weight matrix (row-major) followed by the C intercepts. The matrix
 * products run through ND4J in double precision.
 */
final class SoftmaxObjective implements DifferentiableFunction {
    private final INDArray x;       // [N, D] double
    private final INDArray oneHot;  // [N, K] double
    private final int numClasses;
    private final int dims;
    private final double penalty;   // 1 / (C n)
    private final int n;

    SoftmaxObjective(double[][] features, int[] labels, int numClasses, double c) {
        if (!(c > 0)) throw new IllegalArgumentException("C must be positive, got " + c);
        this.n = features.length;
        this.dims = features[0].length;
        this.numClasses = numClasses;
        this.x = Nd4j.createFromArray(features).castTo(DataType.DOUBLE);
        this.oneHot = Nd4j.zeros(DataType.DOUBLE, n, numClasses);
        for (int i = 0; i < n; i++) oneHot.putScalar(i, labels[i], 1.0);
        this.penalty = 1.0 / (c * n);
    }

    int parameterCount() {
        return numClasses * (dims + 1);
    }

    @Override
    public double valueAndGradient(double[] theta, double[] gradient) {
        int wSize = numClasses * dims;
        INDArray w = Nd4j.createFromArray(java.util.Arrays.copyOfRange(theta, 0, wSize)).reshape(numClasses, dims);
        INDArray b = Nd4j.createFromArray(java.util.Arrays.copyOfRange(theta, wSize, wSize + numClasses)).reshape(1, numClasses);
        INDArray z = MatMul.gemm(x, w, false, true).addiRowVector(b);        // logits [N, K]
        z.subiColumnVector(z.max(1));                                       // shift for a stable softmax
        INDArray e = Transforms.exp(z, true);
        INDArray sums = e.sum(1);
        // CE_i = log sum_k exp(z_ik) - z_i,y_i  (the shift cancels)
        double crossEntropy = Transforms.log(sums, true).sumNumber().doubleValue() - z.mul(oneHot).sumNumber().doubleValue();
        INDArray residual = e.diviColumnVector(sums).subi(oneHot);         // softmax - one-hot
        double[] gw = MatMul.gemm(residual, x, true, false).reshape(-1).toDoubleVector();
        double[] gb = residual.sum(0).toDoubleVector();
        double squaredNorm = 0;
        for (int i = 0; i < wSize; i++) {
            squaredNorm += theta[i] * theta[i];
            gradient[i] = gw[i] / n + penalty * theta[i];
        }
        for (int k = 0; k < numClasses; k++) gradient[wSize + k] = gb[k] / n;
        return crossEntropy / n + 0.5 * penalty * squaredNorm;
    }
}
