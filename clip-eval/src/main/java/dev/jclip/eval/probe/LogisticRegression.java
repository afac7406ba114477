package dev.jclip.eval.probe;

import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multinomial logistic regression with an L2 penalty on the weights (not the intercepts), fitted by
 * {@link Lbfgs}; the counterpart of scikit-learn's {@code LogisticRegression(solver="lbfgs", C=C)} on multiclass data.
 */
public final class LogisticRegression {
    private static final Logger LOG = LoggerFactory.getLogger(LogisticRegression.class);

    private LogisticRegression() {
    }

    /**
     * A fitted model.
     *
     * @param weights [K][D] coefficients
     * @param bias    K intercepts (defined only up to a common shift: the penalty does not pin them)
     * @param fit     how the optimiser ended
     */
    public record Model(double[][] weights, double[] bias, Lbfgs.Result fit) {

        /** Logits [N][K]. */
        public double[][] scores(double[][] x) {
            double[][] out = new double[x.length][weights.length];
            for (int i = 0; i < x.length; i++) {
                for (int k = 0; k < weights.length; k++) {
                    double s = bias[k];
                    double[] w = weights[k];
                    for (int j = 0; j < w.length; j++) s += w[j] * x[i][j];
                    out[i][k] = s;
                }
            }
            return out;
        }

        /** Fraction of samples whose arg-max logit is the label (ties count against, as {@code TieRule}). */
        public double accuracy(double[][] x, int[] labels) {
            return dev.jclip.eval.metrics.ClassificationMetrics.topK(scores(x), labels, 1);
        }

        double[] packed() {
            int k = weights.length;
            int d = weights[0].length;
            double[] theta = new double[k * (d + 1)];
            for (int c = 0; c < k; c++) System.arraycopy(weights[c], 0, theta, c * d, d);
            System.arraycopy(bias, 0, theta, k * d, k);
            return theta;
        }
    }

    /**
     * Fits the model.
     *
     * @param x          [N][D] features
     * @param labels     N labels in 0..K-1
     * @param numClasses K
     * @param c          inverse regularisation strength (scikit-learn's C)
     * @param settings   optimiser settings
     * @param warmStart  a model to start from (e.g. the fit at a neighbouring C), or null for zeros
     */
    public static Model fit(double[][] x, int[] labels, int numClasses, double c, Lbfgs.Settings settings, Model warmStart) {
        check(x, labels, numClasses);
        return fit(new SoftmaxObjective.Design(x, labels, numClasses), c, settings, warmStart);
    }

    /**
     * Fits on a checked design (the fits of a C sweep share one). Two phases: L-BFGS on the objective with float
     * products until it stops, which is where float's rounding hides further progress (its line search fails, or a
     * value decrease vanishes in the noise) unless the gradient tolerance was reached first; then, from that point and
     * with the iterations left, L-BFGS on the objective with double products, under the same stopping rule. Most
     * iterations run at float's speed; the result is the double-precision optimum.
     */
    static Model fit(SoftmaxObjective.Design design, double c, Lbfgs.Settings settings, Model warmStart) {
        int k = design.numClasses(), d = design.dims();
        double[] start = warmStart == null ? new double[k * (d + 1)] : warmStart.packed();
        if (start.length != k * (d + 1)) throw new IllegalArgumentException("warm start has the wrong shape");
        Lbfgs.Result fast = new Lbfgs(settings).minimise(design.objective(c, DataType.FLOAT), start);
        Lbfgs.Result r = fast;
        if (!fast.stopReason().equals(Lbfgs.GRADIENT_CONVERGED)) {
            Lbfgs.Settings rest = new Lbfgs.Settings(settings.memory(), settings.maxIterations() - fast.iterations(),
                    settings.gradientTolerance(), settings.valueTolerance());
            Lbfgs.Result exact = new Lbfgs(rest).minimise(design.objective(c, DataType.DOUBLE), fast.x());
            r = new Lbfgs.Result(exact.x(), exact.value(), fast.iterations() + exact.iterations(), fast.evaluations() + exact.evaluations(),
                    exact.converged(), exact.stopReason() + " (after " + fast.iterations() + " float iterations: " + fast.stopReason() + ")");
        }
        if (!r.converged()) LOG.warn("L-BFGS at C={} stopped without converging: {} after {} iterations", c, r.stopReason(), r.iterations());
        LOG.debug("C={} fitted in {} iterations / {} evaluations: {}", c, r.iterations(), r.evaluations(), r.stopReason());
        double[][] w = new double[k][d];
        for (int i = 0; i < k; i++) System.arraycopy(r.x(), i * d, w[i], 0, d);
        double[] b = new double[k];
        System.arraycopy(r.x(), k * d, b, 0, k);
        return new Model(w, b, r);
    }

    /**
     * scikit-learn's documented objective {@code C * sum_i CE_i + 0.5 * ||W||^2}, computed directly in plain Java
     * (independently of {@link SoftmaxObjective}).
     */
    public static double objective(Model m, double[][] x, int[] labels, double c) {
        double[][] z = m.scores(x);
        double ce = 0;
        for (int i = 0; i < x.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z[i]) max = Math.max(max, v);
            double s = 0;
            for (double v : z[i]) s += Math.exp(v - max);
            ce += Math.log(s) + max - z[i][labels[i]];
        }
        double sq = 0;
        for (double[] row : m.weights()) for (double v : row) sq += v * v;
        return c * ce + 0.5 * sq;
    }

    static void check(double[][] x, int[] labels, int numClasses) {
        if (x.length == 0) throw new IllegalArgumentException("no training samples");
        if (x.length != labels.length) throw new IllegalArgumentException(x.length + " samples but " + labels.length + " labels");
        int d = x[0].length;
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) throw new IllegalArgumentException("sample " + i + " has " + x[i].length + " features, expected " + d);
            if (labels[i] < 0 || labels[i] >= numClasses) throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " outside 0.." + (numClasses - 1));
        }
    }
}
