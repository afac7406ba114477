package dev.jclip.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.core.nn.CpuKernels;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
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

    /** The analytic gradient matches central differences, with the objective's products in double precision. */
    @Test
    void gradientMatchesFiniteDifferences() {
        Random rnd = new Random(1);
        int[] y = new int[20];
        double[][] x = gaussianBlobs(rnd, 20, 4, 3, y, 1.0);
        SoftmaxObjective f = new SoftmaxObjective.Design(x, y, 3).objective(0.7, DataType.DOUBLE);
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
        double scaled = new SoftmaxObjective.Design(x, y, 4).objective(c, DataType.DOUBLE).valueAndGradient(m.packed(), new double[m.packed().length]);
        assertEquals(LogisticRegression.objective(m, x, y, c), scaled * c * x.length, 1e-9 * scaled * c * x.length);
        assertEquals(scaled, m.fit().value(), 1e-7 * scaled);
    }

    /** The float objective (what fits use) agrees with the double one to float's resolution. */
    @Test
    void floatProductsAgreeWithDouble() {
        Random rnd = new Random(4);
        int[] y = new int[300];
        double[][] x = gaussianBlobs(rnd, 300, 40, 5, y, 1.0);
        double[] theta = new double[5 * 41];
        for (int i = 0; i < theta.length; i++) theta[i] = rnd.nextGaussian();
        double[] gf = new double[theta.length], gd = new double[theta.length];
        double vf = new SoftmaxObjective.Design(x, y, 5).objective(2.0, DataType.FLOAT).valueAndGradient(theta, gf);
        double vd = new SoftmaxObjective.Design(x, y, 5).objective(2.0, DataType.DOUBLE).valueAndGradient(theta, gd);
        assertEquals(vd, vf, 1e-6 * vd);
        for (int i = 0; i < theta.length; i++) assertEquals(gd[i], gf[i], 1e-5, "gradient " + i);
        assertTrue(vf != vd, "the default precision is float: its value must differ from double's in the last bits");
    }

    /** Value and gradient are bit-identical on one and on two kernel threads (fixed product blocks, sums in order). */
    @Test
    void resultDoesNotDependOnThreadCount() {
        Random rnd = new Random(5);
        int[] y = new int[8000];
        double[][] x = gaussianBlobs(rnd, 8000, 500, 10, y, 1.0); // big enough for MatMul to cut both products into blocks
        SoftmaxObjective f = new SoftmaxObjective.Design(x, y, 10).objective(1.0, DataType.FLOAT);
        double[] theta = new double[f.parameterCount()];
        for (int i = 0; i < theta.length; i++) theta[i] = 0.1 * rnd.nextGaussian();
        double[] g1 = new double[theta.length], g2 = new double[theta.length];
        try {
            CpuKernels.setThreads(1);
            double v1 = f.valueAndGradient(theta, g1);
            CpuKernels.setThreads(2);
            double v2 = f.valueAndGradient(theta, g2);
            assertEquals(v1, v2, 0.0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(g1, g2, 0.0);
        } finally {
            CpuKernels.setThreads(0);
        }
    }

    /**
     * Warm starts (the C search's) reach the optimum the cold start reaches, and start where they are told: started
     * at the optimum, a fit stops at once.
     */
    @Test
    void warmStartReachesTheColdOptimum() {
        int[] y = new int[200];
        double[][] x = gaussianBlobs(new Random(6), 200, 8, 4, y, 1.5);
        double c = 1.0;
        Lbfgs.Settings s = Lbfgs.Settings.defaults();
        LogisticRegression.Model cold = LogisticRegression.fit(x, y, 4, c, s, null);
        for (double from : new double[] {0.01, 100}) {
            LogisticRegression.Model neighbour = LogisticRegression.fit(x, y, 4, from, s, null);
            LogisticRegression.Model warm = LogisticRegression.fit(x, y, 4, c, s, neighbour);
            assertTrue(warm.fit().converged(), warm.fit().stopReason());
            double coldObjective = LogisticRegression.objective(cold, x, y, c);
            assertEquals(coldObjective, LogisticRegression.objective(warm, x, y, c), 1e-7 * coldObjective, "warm from C=" + from);
            for (int k = 0; k < 4; k++) {
                for (int j = 0; j < 8; j++) assertEquals(cold.weights()[k][j], warm.weights()[k][j], 1e-3, "weight " + k + "," + j + " warm from C=" + from);
            }
        }
        LogisticRegression.Model again = LogisticRegression.fit(x, y, 4, c, s, cold);
        assertTrue(again.fit().iterations() <= 2, "started at the optimum, it took " + again.fit().iterations() + " iterations");
        assertTrue(cold.fit().iterations() > 10, "the cold fit took only " + cold.fit().iterations() + " iterations");
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
