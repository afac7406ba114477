package dev.jclip.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    @Test
    void stratifiedSplitTakesTheFractionOfEveryClass() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) labels[i] = i < 60 ? 0 : i < 90 ? 1 : i < 99 ? 2 : 3;
        boolean[] v = LinearProbe.stratifiedSplit(labels, 4, 0.2, 5);
        int[] counts = new int[4];
        for (int i = 0; i < 100; i++) if (v[i]) counts[labels[i]]++;
        assertEquals(12, counts[0]);
        assertEquals(6, counts[1]);
        assertEquals(2, counts[2]);
        assertEquals(0, counts[3]); // a singleton class stays in training
        assertEquals(java.util.Arrays.toString(v), java.util.Arrays.toString(LinearProbe.stratifiedSplit(labels, 4, 0.2, 5)));
    }

    /** On the scikit-learn fixture: the search is complete, picks its best point, and the final fit is the optimum at that C. */
    @Test
    void sweepPicksBestValidationCAndRefitsOnAllTrainingData() throws Exception {
        LogisticRegressionSklearnTest.load();
        double[][] x = LogisticRegressionSklearnTest.trainX;
        int[] y = LogisticRegressionSklearnTest.trainY;
        LinearProbe.Settings s = new LinearProbe.Settings(0.25, 1, -3, 2, 2, Lbfgs.Settings.defaults());
        LinearProbe.Result r = LinearProbe.run(x, y, LogisticRegressionSklearnTest.testX, LogisticRegressionSklearnTest.testY,
                LogisticRegressionSklearnTest.classes, s);
        List<LinearProbe.SweepPoint> sweep = r.sweep();
        assertTrue(sweep.size() >= 6 + 2 && sweep.size() <= 6 + 4, "sweep size " + sweep.size());
        double bestAcc = sweep.stream().mapToDouble(LinearProbe.SweepPoint::validationAccuracy).max().orElseThrow();
        LinearProbe.SweepPoint chosen = sweep.stream().filter(p -> Math.abs(p.c() - r.bestC()) < 1e-12 * r.bestC()).findFirst().orElseThrow();
        assertEquals(bestAcc, chosen.validationAccuracy());
        for (LinearProbe.SweepPoint p : sweep) {
            if (p.validationAccuracy() == bestAcc) assertTrue(p.c() >= r.bestC(), "ties go to the smallest C");
        }
        for (int i = 1; i < sweep.size(); i++) assertTrue(sweep.get(i).c() > sweep.get(i - 1).c());
        assertEquals(300, r.trainSize());
        assertEquals(75, r.validationSize());
        // The final model is the optimum on all 300 training samples: a cold-start fit lands on the same objective.
        LogisticRegression.Model cold = LogisticRegression.fit(x, y, 5, r.bestC(), Lbfgs.Settings.defaults(), null);
        double a = LogisticRegression.objective(cold, x, y, r.bestC());
        double b = LogisticRegression.objective(r.model(), x, y, r.bestC());
        assertEquals(a, b, 1e-6 * a);
        assertEquals(cold.accuracy(LogisticRegressionSklearnTest.testX, LogisticRegressionSklearnTest.testY), r.test().top1(), 0.005);
    }
}
