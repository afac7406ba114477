package dev.jclip.eval.probe;

import dev.jclip.eval.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLIP paper's linear-probe protocol on fixed features: choose the regularisation strength C on a
 * validation split carved from the training set, refit on the whole training set at that C, score the test set.
 *
 * <p>C search: every decade from {@code 10^minLog10C} to {@code 10^maxLog10C}, then {@code refinements} rounds
 * of halving the step around the best value so far (half a decade, a quarter, ...), a discrete stand-in for the
 * paper's parametric binary search. Validation-accuracy ties go to the smaller C (the simpler model). Fits are
 * warm-started from the nearest C already fitted, and share one copy of the features in ND4J.
 */
public final class LinearProbe {
    private static final Logger LOG = LoggerFactory.getLogger(LinearProbe.class);

    /**
     * @param validationFraction share of each class moved from train to validation for the C search
     * @param seed               seed of the validation split
     * @param minLog10C          smallest decade searched
     * @param maxLog10C          largest decade searched
     * @param refinements        rounds of step halving after the decade sweep
     * @param lbfgs              optimiser settings for every fit
     */
    public record Settings(double validationFraction, long seed, int minLog10C, int maxLog10C, int refinements,
                           Lbfgs.Settings lbfgs) {
        /** The paper's range 1e-6..1e6, 20% validation, two refinement rounds. */
        public static Settings defaults() {
            return new Settings(0.2, 0, -6, 6, 2, Lbfgs.Settings.defaults());
        }
    }

    /** Validation accuracy of one C tried. */
    public record SweepPoint(double c, double validationAccuracy) {
    }

    /**
     * @param bestC       the chosen C
     * @param sweep       every C tried, sorted by C
     * @param model       the final model, fitted on train + validation at {@code bestC}
     * @param test        metrics of the final model on the test set
     * @param trainSize   samples used for the final fit
     * @param validationSize samples held out during the C search
     */
    public record Result(double bestC, List<SweepPoint> sweep, LogisticRegression.Model model, ClassificationMetrics test,
                         int trainSize, int validationSize) {
    }

    private LinearProbe() {
    }

    /** Runs the protocol. Features are used as given (normalise them first if wanted). */
    public static Result run(double[][] trainX, int[] trainY, double[][] testX, int[] testY, int numClasses, Settings s) {
        boolean[] inValidation = stratifiedSplit(trainY, numClasses, s.validationFraction(), s.seed());
        List<Integer> fitIdx = new ArrayList<>();
        List<Integer> valIdx = new ArrayList<>();
        for (int i = 0; i < trainY.length; i++) (inValidation[i] ? valIdx : fitIdx).add(i);
        if (fitIdx.isEmpty() || valIdx.isEmpty()) {
            throw new IllegalArgumentException("training set of " + trainY.length + " samples is too small to carve a validation split");
        }
        Search search = searchC(rows(trainX, fitIdx), labels(trainY, fitIdx), rows(trainX, valIdx), labels(trainY, valIdx), numClasses, s);
        LOG.info("linear probe: best C = {} (validation accuracy {})", search.bestC(), search.bestAccuracy());
        LogisticRegression.Model model = LogisticRegression.fit(trainX, trainY, numClasses, search.bestC(), s.lbfgs(), search.bestModel());
        ClassificationMetrics test = ClassificationMetrics.of(model.scores(testX), testY, numClasses);
        return new Result(search.bestC(), search.sweep(), model, test, trainY.length, valIdx.size());
    }

    /**
     * The outcome of a C search.
     *
     * @param bestC        the C with the best validation accuracy (ties to the smaller C)
     * @param bestAccuracy its validation accuracy
     * @param bestModel    the model fitted on the fitting set at {@code bestC}
     * @param sweep        every C tried, sorted by C
     */
    public record Search(double bestC, double bestAccuracy, LogisticRegression.Model bestModel, List<SweepPoint> sweep) {
    }

    /** The C search alone: models fitted on (fx, fy) at each C of the schedule, scored on (vx, vy). */
    public static Search searchC(double[][] fx, int[] fy, double[][] vx, int[] vy, int numClasses, Settings s) {
        LogisticRegression.check(fx, fy, numClasses);
        SoftmaxObjective.Design design = new SoftmaxObjective.Design(fx, fy, numClasses);
        TreeMap<Double, LogisticRegression.Model> models = new TreeMap<>(); // keyed by log10 C
        TreeMap<Double, Double> accuracy = new TreeMap<>();
        for (int e = s.minLog10C(); e <= s.maxLog10C(); e++) {
            tryC(e, design, vx, vy, s, models, accuracy);
        }
        double step = 1.0;
        for (int r = 0; r < s.refinements(); r++) {
            step /= 2;
            double best = bestLogC(accuracy);
            for (double e : new double[] {best - step, best + step}) {
                if (e >= s.minLog10C() && e <= s.maxLog10C()) tryC(e, design, vx, vy, s, models, accuracy);
            }
        }
        double bestLog = bestLogC(accuracy);
        List<SweepPoint> sweep = new ArrayList<>();
        accuracy.forEach((e, acc) -> sweep.add(new SweepPoint(Math.pow(10, e), acc)));
        sweep.sort(Comparator.comparingDouble(SweepPoint::c));
        return new Search(Math.pow(10, bestLog), accuracy.get(bestLog), models.get(bestLog), sweep);
    }

    private static void tryC(double log10C, SoftmaxObjective.Design design, double[][] vx, int[] vy, Settings s,
                             TreeMap<Double, LogisticRegression.Model> models, TreeMap<Double, Double> accuracy) {
        if (models.containsKey(log10C)) return;
        Double lower = models.floorKey(log10C);
        Double upper = models.ceilingKey(log10C);
        Double nearest = lower == null ? upper : upper == null ? lower : (log10C - lower <= upper - log10C ? lower : upper);
        LogisticRegression.Model m = LogisticRegression.fit(design, Math.pow(10, log10C), s.lbfgs(),
                nearest == null ? null : models.get(nearest));
        double acc = m.accuracy(vx, vy);
        LOG.debug("C = 1e{}: validation accuracy {} ({} iterations)", String.format("%.2f", log10C), acc, m.fit().iterations());
        models.put(log10C, m);
        accuracy.put(log10C, acc);
    }

    /** Highest accuracy; ties to the smallest C (the TreeMap iterates C in ascending order). */
    private static double bestLogC(TreeMap<Double, Double> accuracy) {
        double best = Double.NaN;
        double bestAcc = -1;
        for (var e : accuracy.entrySet()) {
            if (e.getValue() > bestAcc) {
                bestAcc = e.getValue();
                best = e.getKey();
            }
        }
        return best;
    }

    /**
     * Marks about {@code fraction} of each class (rounded, at least one when the class has two or more samples,
     * never all of it) for validation, chosen by a seeded shuffle.
     */
    public static boolean[] stratifiedSplit(int[] labels, int numClasses, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("validation fraction must be in (0,1), got " + fraction);
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < labels.length; i++) byClass.get(labels[i]).add(i);
        Random rnd = new Random(seed);
        boolean[] out = new boolean[labels.length];
        for (List<Integer> members : byClass) {
            java.util.Collections.shuffle(members, rnd);
            int take = (int) Math.round(fraction * members.size());
            if (members.size() >= 2) take = Math.max(1, Math.min(take, members.size() - 1));
            else take = 0;
            for (int i = 0; i < take; i++) out[members.get(i)] = true;
        }
        return out;
    }

    static double[][] rows(double[][] x, List<Integer> idx) {
        double[][] out = new double[idx.size()][];
        for (int i = 0; i < out.length; i++) out[i] = x[idx.get(i)];
        return out;
    }

    static int[] labels(int[] y, List<Integer> idx) {
        int[] out = new int[idx.size()];
        for (int i = 0; i < out.length; i++) out[i] = y[idx.get(i)];
        return out;
    }
}
