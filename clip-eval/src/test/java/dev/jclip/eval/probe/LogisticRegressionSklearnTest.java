package dev.jclip.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fits the fixture written by src/test/python/make_logreg_fixture.py and compares with scikit-learn's
 * LogisticRegression(solver="lbfgs", multinomial) at the same C: accuracy, objective, coefficients.
 */
class LogisticRegressionSklearnTest {
    static JsonNode doc;
    static double[][] trainX;
    static int[] trainY;
    static double[][] testX;
    static int[] testY;
    static int classes;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = LogisticRegressionSklearnTest.class.getResourceAsStream("/dev/jclip/eval/logreg_sklearn.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        trainX = matrix(doc.get("train_x"));
        trainY = ints(doc.get("train_y"));
        testX = matrix(doc.get("test_x"));
        testY = ints(doc.get("test_y"));
        classes = doc.get("num_classes").asInt();
    }

    @Test
    void matchesSklearnAtEveryC() {
        for (JsonNode fit : doc.get("fits")) {
            double c = fit.get("C").asDouble();
            LogisticRegression.Model m = LogisticRegression.fit(trainX, trainY, classes, c,
                    Lbfgs.Settings.defaults(), null);
            assertTrue(m.fit().converged(), "C=" + c + ": " + m.fit().stopReason());
            double testAcc = m.accuracy(testX, testY);
            double trainAcc = m.accuracy(trainX, trainY);
            assertEquals(fit.get("test_accuracy").asDouble(), testAcc, 0.005, "test accuracy at C=" + c);
            assertEquals(fit.get("train_accuracy").asDouble(), trainAcc, 0.005, "train accuracy at C=" + c);
            double sklearnObjective = fit.get("objective").asDouble();
            double ours = LogisticRegression.objective(m, trainX, trainY, c);
            // Ours must not be worse than sklearn's optimum beyond rounding, nor far better (that would mean a different objective).
            assertEquals(sklearnObjective, ours, 1e-7 * sklearnObjective, "objective at C=" + c);
            double[][] coef = matrix(fit.get("coef"));
            double maxDiff = 0;
            double maxCoef = 0;
            for (int k = 0; k < classes; k++) {
                for (int j = 0; j < coef[k].length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(coef[k][j] - m.weights()[k][j]));
                    maxCoef = Math.max(maxCoef, Math.abs(coef[k][j]));
                }
            }
            assertTrue(maxDiff <= 1e-3 * maxCoef, "C=" + c + ": max coefficient difference " + maxDiff + " of " + maxCoef);
            // Intercepts are identified only up to a common shift; compare them centred.
            double[] ref = centred(doubles(fit.get("intercept")));
            double[] got = centred(m.bias());
            for (int k = 0; k < classes; k++) assertEquals(ref[k], got[k], 1e-3 * (1 + Math.abs(ref[k])), "intercept " + k + " at C=" + c);
        }
    }

    static double[] centred(double[] v) {
        double mean = 0;
        for (double a : v) mean += a / v.length;
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] - mean;
        return out;
    }

    static double[][] matrix(JsonNode n) {
        double[][] m = new double[n.size()][];
        for (int i = 0; i < n.size(); i++) m[i] = doubles(n.get(i));
        return m;
    }

    static double[] doubles(JsonNode n) {
        double[] v = new double[n.size()];
        for (int i = 0; i < n.size(); i++) v[i] = n.get(i).asDouble();
        return v;
    }

    static int[] ints(JsonNode n) {
        int[] v = new int[n.size()];
        for (int i = 0; i < n.size(); i++) v[i] = n.get(i).asInt();
        return v;
    }
}
