package dev.jclip.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogisticRegressionTest {

    static double[][] gaussianBlobs(Random rnd, int n, int d, int k, int[] labelsOut, double spread) {
        double[][] means = new double[k][d];
        Random meanRnd = new Random(99);
        for (double[] m : means) for (int j = 0; j < d; j++) m[j] = meanRnd.nextGaussian();
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            labelsOut[i] = i % k;
            for (int j = 0; j < d; j++) x[i][j] = means[labelsOut[i]][j] + spread * rnd.nextGaussian();
        }
        return x;
    }

    /** The analytic gradient matches central differences in double precision. */
    @Test
    void gradientMatchesFiniteDifferences() {
        Random rnd = new Random(1);
        int[] y = new int[20];
        double[][] x = gaussianBlobs(rnd, 20, 4, 3, y, 1.0);
        SoftmaxObjective f = new SoftmaxObjective(x, y, 3, 0.7);
        double[] theta = new double[f.parameterCount()];
        for (int i = 0; i < theta.length; i++) theta[i] = 0.5 * rnd.nextGaussian();
        double[] g = new double[theta.length];
        f.valueAndGradient(theta, g);
        double h = 1e-6;
        for (int i = 0; i < theta.length; i++) {
            double[] p = theta.clone();
            double[] m = theta.clone();
            p[i] += h;
            m[i] -= h;
            double numeric = (f.valueAndGradient(p, new double[theta.length]) - f.valueAndGradient(m, new double[theta.length])) / (2 * h);
            assertEquals(numeric, g[i], 1e-8, "parameter " + i);
        }
    }

    /** The scaled ND4J objective times C*n equals the plain-Java scikit-learn-form objective. */
    @Test
    void scaledObjectiveAgreesWithDocumentedForm() {
        Random rnd = new Random(2);
        int[] y = new int[30];
        double[][] x = gaussianBlobs(rnd, 30, 5, 4, y, 1.5);
        double c = 0.3;
        LogisticRegression.Model m = LogisticRegression.fit(x, y, 4, c, Lbfgs.Settings.defaults(), null);
        double scaled = new SoftmaxObjective(x, y, 4, c).valueAndGradient(m.packed(), new double[m.packed().length]);
        assertEquals(LogisticRegression.objective(m, x, y, c), scaled * c * x.length, 1e-9 * scaled * c * x.length);
        assertEquals(m.fit().value(), scaled, 1e-12);
    }

    @Test
    void separatesWellSeparatedBlobs() {
        int[] y = new int[120];
        double[][] x = gaussianBlobs(new Random(3), 120, 6, 4, y, 0.05);
        LogisticRegression.Model m = LogisticRegression.fit(x, y, 4, 1.0, Lbfgs.Settings.defaults(), null);
        assertTrue(m.fit().converged(), m.fit().stopReason());
        assertEquals(1.0, m.accuracy(x, y));
    }
}
