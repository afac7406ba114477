package dev.jclip.eval.probe;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Limited-memory BFGS (Nocedal &amp; Wright algorithm 7.4/7.5) in double precision with a strong-Wolfe line search.
 *
 * <p>Stops when the largest gradient component is at most {@code gradientTolerance}, when the relative decrease
 * of the value over one iteration is at most {@code valueTolerance} (the same pair of tests as SciPy's L-BFGS-B,
 * which scikit-learn uses), after {@code maxIterations}, or when the line search fails.
 */
public final class Lbfgs {

    /**
     * @param memory            correction pairs kept (SciPy's default is 10)
     * @param maxIterations     iteration cap
     * @param gradientTolerance stop when max |g_i| is at most this
     * @param valueTolerance    stop when (f_prev - f) / max(|f_prev|, |f|, 1) is at most this
     */
    public record Settings(int memory, int maxIterations, double gradientTolerance, double valueTolerance) {
        /** Tight defaults: the probe wants the optimum, not an early stop. */
        public static Settings defaults() {
            return new Settings(10, 1000, 1e-6, 64 * Math.ulp(1.0));
        }
    }

    /**
     * @param x           the final point
     * @param value       the value there
     * @param iterations  iterations done
     * @param evaluations function evaluations done
     * @param converged   whether a tolerance (not the cap or a line-search failure) stopped it
     * @param stopReason  why it stopped, for logs
     */
    public record Result(double[] x, double value, int iterations, int evaluations, boolean converged, String stopReason) {
    }

    /** The stop reason when the gradient tolerance was met. */
    public static final String GRADIENT_CONVERGED = "gradient below tolerance";

    private final Settings settings;

    public Lbfgs(Settings settings) {
        this.settings = settings;
    }

    /** Minimises {@code f} from {@code x0} (which is not modified). */
    public Result minimise(DifferentiableFunction f, double[] x0) {
        int n = x0.length;
        double[] x = x0.clone();
        double[] g = new double[n];
        double value = f.valueAndGradient(x, g);
        if (!Double.isFinite(value)) throw new IllegalArgumentException("objective is " + value + " at the starting point");
        int evaluations = 1;
        Deque<double[][]> pairs = new ArrayDeque<>(); // {s, y, {rho}}
        WolfeLineSearch lineSearch = new WolfeLineSearch(1e-4, 0.9, 40);
        for (int iter = 0; iter < settings.maxIterations(); iter++) {
            if (maxAbs(g) <= settings.gradientTolerance()) {
                return new Result(x, value, iter, evaluations, true, GRADIENT_CONVERGED);
            }
            double[] d = direction(g, pairs);
            if (WolfeLineSearch.dot(d, g) >= 0) { // lost descent through round-off: restart from steepest descent
                pairs.clear();
                d = negate(g);
            }
            double firstStep = pairs.isEmpty() ? Math.min(1.0, 1.0 / norm1(g)) : 1.0;
            WolfeLineSearch.Trial t = lineSearch.search(f, x, value, g, d, firstStep);
            evaluations += lineSearch.evaluations();
            if (t == null) {
                if (pairs.isEmpty()) return new Result(x, value, iter, evaluations, false, "line search failed");
                pairs.clear(); // retry once from steepest descent before giving up
                d = negate(g);
                t = lineSearch.search(f, x, value, g, d, Math.min(1.0, 1.0 / norm1(g)));
                evaluations += lineSearch.evaluations();
                if (t == null) return new Result(x, value, iter, evaluations, false, "line search failed");
            }
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = t.x()[i] - x[i];
                y[i] = t.gradient()[i] - g[i];
            }
            double sy = WolfeLineSearch.dot(s, y);
            if (sy > 1e-12 * WolfeLineSearch.dot(y, y)) { // Wolfe guarantees sy > 0; skip pairs lost to round-off
                pairs.addLast(new double[][] {s, y, {1.0 / sy}});
                if (pairs.size() > settings.memory()) pairs.removeFirst();
            }
            double previous = value;
            x = t.x();
            g = t.gradient();
            value = t.value();
            if ((previous - value) / Math.max(Math.max(Math.abs(previous), Math.abs(value)), 1) <= settings.valueTolerance()) {
                return new Result(x, value, iter + 1, evaluations, true, "value decrease below tolerance");
            }
        }
        return new Result(x, value, settings.maxIterations(), evaluations, maxAbs(g) <= settings.gradientTolerance(),
                "iteration cap");
    }

    /** The two-loop recursion: -H g with H the L-BFGS inverse Hessian approximation. */
    private static double[] direction(double[] g, Deque<double[][]> pairs) {
        double[] q = g.clone();
        double[] alpha = new double[pairs.size()];
        int k = pairs.size() - 1;
        for (Iterator<double[][]> it = pairs.descendingIterator(); it.hasNext(); k--) {
            double[][] p = it.next();
            alpha[k] = p[2][0] * WolfeLineSearch.dot(p[0], q);
            axpy(-alpha[k], p[1], q);
        }
        if (!pairs.isEmpty()) {
            double[][] last = pairs.getLast();
            double gamma = WolfeLineSearch.dot(last[0], last[1]) / WolfeLineSearch.dot(last[1], last[1]);
            for (int i = 0; i < q.length; i++) q[i] *= gamma;
        }
        k = 0;
        for (double[][] p : pairs) {
            double beta = p[2][0] * WolfeLineSearch.dot(p[1], q);
            axpy(alpha[k] - beta, p[0], q);
            k++;
        }
        return negate(q);
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) y[i] += a * x[i];
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = -v[i];
        return out;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double a : v) m = Math.max(m, Math.abs(a));
        return m;
    }

    private static double norm1(double[] v) {
        double s = 0;
        for (double a : v) s += Math.abs(a);
        return Math.max(s, 1e-300);
    }
}
