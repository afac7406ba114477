package dev.jclip.eval.probe;

/**
 * Line search for the strong Wolfe conditions (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., algorithms
 * 3.5 and 3.6): bracketing by step doubling, then a zoom that places each trial step by cubic interpolation,
 * safeguarded to stay well inside the bracket.
 *
 * <p>Accepted steps satisfy sufficient decrease {@code phi(a) <= phi(0) + c1 a phi'(0)} and the curvature
 * condition {@code |phi'(a)| <= c2 |phi'(0)|}.
 */
final class WolfeLineSearch {

    /** One evaluated trial step: its length, value, directional derivative, point and gradient. */
    record Trial(double step, double value, double slope, double[] x, double[] gradient) {
    }

    private final double c1;
    private final double c2;
    private final int maxEvaluations;
    private int evaluations;

    WolfeLineSearch(double c1, double c2, int maxEvaluations) {
        if (!(0 < c1 && c1 < c2 && c2 < 1)) throw new IllegalArgumentException("need 0 < c1 < c2 < 1, got " + c1 + ", " + c2);
        this.c1 = c1;
        this.c2 = c2;
        this.maxEvaluations = maxEvaluations;
    }

    /** Function evaluations made by the last {@link #search}. */
    int evaluations() {
        return evaluations;
    }

    /**
     * Searches along {@code direction} from {@code x0}; {@code direction} must be a descent direction.
     *
     * @return the accepted trial, or null when no step satisfying the Wolfe conditions was found within the budget
     */
    Trial search(DifferentiableFunction f, double[] x0, double value0, double[] gradient0, double[] direction, double firstStep) {
        evaluations = 0;
        double slope0 = dot(gradient0, direction);
        if (!(slope0 < 0)) throw new IllegalArgumentException("not a descent direction (slope " + slope0 + ")");
        Trial prev = new Trial(0, value0, slope0, x0, gradient0);
        double step = firstStep;
        for (int i = 0; evaluations < maxEvaluations; i++) {
            Trial t = evaluate(f, x0, direction, step);
            if (!Double.isFinite(t.value)) {
                step = 0.5 * (prev.step + step); // stepped into overflow: pull back and retry
                continue;
            }
            if (t.value > value0 + c1 * step * slope0 || (i > 0 && t.value >= prev.value)) {
                return zoom(f, x0, direction, value0, slope0, prev, t);
            }
            if (Math.abs(t.slope) <= -c2 * slope0) return t;
            if (t.slope >= 0) return zoom(f, x0, direction, value0, slope0, t, prev);
            prev = t;
            step *= 2;
        }
        return null;
    }

    /** Narrows the bracket [lo, hi] (lo has the lower value and satisfies sufficient decrease). */
    private Trial zoom(DifferentiableFunction f, double[] x0, double[] d, double value0, double slope0, Trial lo, Trial hi) {
        while (evaluations < maxEvaluations) {
            double step = interpolate(lo, hi);
            Trial t = evaluate(f, x0, d, step);
            if (!Double.isFinite(t.value) || t.value > value0 + c1 * step * slope0 || t.value >= lo.value) {
                hi = t;
            } else {
                if (Math.abs(t.slope) <= -c2 * slope0) return t;
                if (t.slope * (hi.step - lo.step) >= 0) hi = lo;
                lo = t;
            }
            if (Math.abs(hi.step - lo.step) <= 1e-16 * Math.max(1, Math.abs(lo.step))) break; // bracket collapsed
        }
        return null;
    }

    /** Minimiser of the cubic through both ends' values and slopes, kept in the inner 80% of the bracket. */
    private static double interpolate(Trial a, Trial b) {
        double lo = Math.min(a.step, b.step);
        double hi = Math.max(a.step, b.step);
        double width = hi - lo;
        double d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step);
        double disc = d1 * d1 - a.slope * b.slope;
        double candidate = Double.NaN;
        if (disc >= 0) {
            double d2 = Math.signum(b.step - a.step) * Math.sqrt(disc);
            candidate = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2);
        }
        if (!Double.isFinite(candidate) || candidate < lo + 0.1 * width || candidate > hi - 0.1 * width) {
            return lo + 0.5 * width; // bisection when the cubic is unusable or hugs an end
        }
        return candidate;
    }

    private Trial evaluate(DifferentiableFunction f, double[] x0, double[] d, double step) {
        double[] x = new double[x0.length];
        for (int i = 0; i < x.length; i++) x[i] = x0[i] + step * d[i];
        double[] g = new double[x0.length];
        double v = f.valueAndGradient(x, g);
        evaluations++;
        return new Trial(step, v, dot(g, d), x, g);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
