package dev.jclip.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LbfgsTest {

    /** Rosenbrock in 6 dimensions: minimum 0 at all ones. */
    static final DifferentiableFunction ROSENBROCK = (x, g) -> {
        double f = 0;
        java.util.Arrays.fill(g, 0);
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += -400 * x[i] * a - 2 * b;
            g[i + 1] += 200 * a;
        }
        return f;
    };

    @Test
    void findsRosenbrockMinimum() {
        double[] x0 = {-1.2, 1, -1.2, 1, -1.2, 1};
        Lbfgs.Result r = new Lbfgs(new Lbfgs.Settings(10, 2000, 1e-9, 0)).minimise(ROSENBROCK, x0);
        assertTrue(r.converged(), r.stopReason());
        for (double v : r.x()) assertEquals(1.0, v, 1e-6);
        assertTrue(r.value() < 1e-12, "value " + r.value());
    }

    @Test
    void solvesIllConditionedQuadraticExactly() {
        double[] diag = {1, 10, 100, 1000, 1e4};
        double[] target = {3, -2, 1, 0.5, -0.25};
        DifferentiableFunction q = (x, g) -> {
            double f = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - target[i];
                f += 0.5 * diag[i] * d * d;
                g[i] = diag[i] * d;
            }
            return f;
        };
        Lbfgs.Result r = new Lbfgs(new Lbfgs.Settings(5, 500, 1e-10, 0)).minimise(q, new double[5]);
        assertTrue(r.converged(), r.stopReason());
        for (int i = 0; i < 5; i++) assertEquals(target[i], r.x()[i], 1e-9);
    }

    /** Every accepted step satisfies both strong Wolfe conditions. */
    @Test
    void lineSearchStepsSatisfyStrongWolfe() {
        double c1 = 1e-4;
        double c2 = 0.9;
        WolfeLineSearch ls = new WolfeLineSearch(c1, c2, 40);
        double[][] starts = {{-1.2, 1, -1.2, 1, -1.2, 1}, {0, 0, 0, 0, 0, 0}, {2, 2, -1, 0.5, 3, -2}};
        for (double[] x : starts) {
            for (double firstStep : new double[] {1e-4, 1e-2, 1, 100}) {
                double[] g = new double[x.length];
                double f0 = ROSENBROCK.valueAndGradient(x, g);
                double[] d = new double[x.length];
                for (int i = 0; i < d.length; i++) d[i] = -g[i];
                double slope0 = WolfeLineSearch.dot(g, d);
                WolfeLineSearch.Trial t = ls.search(ROSENBROCK, x, f0, g, d, firstStep);
                assertNotNull(t, "first step " + firstStep);
                assertTrue(t.value() <= f0 + c1 * t.step() * slope0, "sufficient decrease");
                assertTrue(Math.abs(t.slope()) <= c2 * Math.abs(slope0), "curvature");
                double[] g2 = new double[x.length];
                assertEquals(ROSENBROCK.valueAndGradient(t.x(), g2), t.value(), 0, "trial value is f at trial x");
                assertEquals(WolfeLineSearch.dot(g2, d), t.slope(), 1e-9 * Math.abs(slope0));
            }
        }
    }
}
