package dev.jclip.eval.probe;

import dev.jclip.eval.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Few-shot linear probes, as in the CLIP paper's Figure 6: for each shot count n, K draws of n labelled training
 * examples per class (seeded), a logistic regression fitted on each draw alone and scored on the test set; the
 * mean and standard deviation of top-1 over the draws, and the shot count at which the probe matches zero-shot.
 *
 * <p>C: fixed when given; otherwise searched (as {@link LinearProbe} does) on a stratified validation split held
 * out from the training set before any draw, so the shots never include a validation example. The validation
 * split uses more labels than the shots (as CLIP_benchmark's few-shot probe does with its validation set); a
 * fixed C is the strictly few-shot alternative.
 */
public final class FewShot {

    /**
     * @param shots  shot counts n (examples per class), distinct and positive
     * @param draws  draws K per shot count
     * @param seed   seed of the validation split and of every draw (draw d of n has its own stream)
     * @param fixedC a fixed C, or null to search C on the validation split
     * @param probe  C range, refinements, validation fraction and optimiser settings
     */
    public record Settings(List<Integer> shots, int draws, long seed, Double fixedC, LinearProbe.Settings probe) {
        public Settings {
            if (shots.isEmpty()) throw new IllegalArgumentException("no shot counts");
            TreeSet<Integer> distinct = new TreeSet<>(shots);
            if (distinct.size() != shots.size() || distinct.first() < 1) throw new IllegalArgumentException("shot counts must be distinct and positive, got " + shots);
            shots = List.copyOf(distinct);
            if (draws < 1) throw new IllegalArgumentException("draws must be positive, got " + draws);
            if (fixedC != null && !(fixedC > 0)) throw new IllegalArgumentException("C must be positive, got " + fixedC);
        }
    }

    /** One fitted draw: its test top-1 and the C it used. */
    public record Draw(int shots, int draw, double top1, double c) {
    }

    /** The draws of one shot count, with their mean and sample standard deviation (NaN for a single draw). */
    public record Point(int shots, double meanTop1, double stdTop1, List<Draw> draws) {
    }

    /**
     * Where the probe's mean top-1 first reaches zero-shot's.
     *
     * @param shots  the interpolated shot count (linear in log2 n between the two shot counts around the
     *               crossing), or NaN when there is no crossing in the range
     * @param status "interpolated", "below range" (the probe is already above zero-shot at the fewest shots)
     *               or "above range" (below zero-shot at every shot count)
     */
    public record Match(double shots, String status) {
    }

    /** @param validationSize training samples held out for the C search (0 with a fixed C) */
    public record Result(List<Point> points, int validationSize) {
    }

    /** A class has fewer training samples (outside the validation split) than a draw needs. */
    public static final class TooFewSamples extends IllegalArgumentException {
        private final int classIndex;

        TooFewSamples(int classIndex, int available, int shots) {
            super("class " + classIndex + " has " + available + " training samples outside the validation split, fewer than " + shots + " shots");
            this.classIndex = classIndex;
        }

        public int classIndex() {
            return classIndex;
        }
    }

    private FewShot() {
    }

    /** Runs every draw. Features are used as given (normalise them first). */
    public static Result run(double[][] trainX, int[] trainY, double[][] testX, int[] testY, int numClasses, Settings s) {
        boolean[] validation = s.fixedC() == null
                ? LinearProbe.stratifiedSplit(trainY, numClasses, s.probe().validationFraction(), s.seed())
                : new boolean[trainY.length];
        List<Integer> valIdx = new ArrayList<>();
        List<List<Integer>> pool = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) pool.add(new ArrayList<>());
        for (int i = 0; i < trainY.length; i++) {
            if (validation[i]) valIdx.add(i);
            else pool.get(trainY[i]).add(i);
        }
        int[] counts = new int[numClasses];
        for (int y : trainY) counts[y]++;
        for (int c = 0; c < numClasses; c++) if (counts[c] == 0) pool.set(c, null); // a class with no training data at all is left out
        double[][] vx = LinearProbe.rows(trainX, valIdx);
        int[] vy = LinearProbe.labels(trainY, valIdx);
        List<Point> points = new ArrayList<>();
        for (int n : s.shots()) {
            List<Draw> draws = new ArrayList<>();
            for (int d = 0; d < s.draws(); d++) {
                List<Integer> idx = draw(pool, n, s.seed(), d);
                double[][] fx = LinearProbe.rows(trainX, idx);
                int[] fy = LinearProbe.labels(trainY, idx);
                LogisticRegression.Model model;
                double c;
                if (s.fixedC() != null) {
                    c = s.fixedC();
                    model = LogisticRegression.fit(fx, fy, numClasses, c, s.probe().lbfgs(), null);
                } else {
                    LinearProbe.Search search = LinearProbe.searchC(fx, fy, vx, vy, numClasses, s.probe());
                    c = search.bestC();
                    model = search.bestModel();
                }
                draws.add(new Draw(n, d, ClassificationMetrics.of(model.scores(testX), testY, numClasses).top1(), c));
            }
            points.add(point(n, draws));
        }
        return new Result(points, valIdx.size());
    }

    /**
     * Draw {@code d} of {@code n} examples per class from the per-class pools: a seeded partial shuffle of each
     * pool, the stream depending only on (seed, n, d), so a draw does not change when other shot counts are added.
     * A null pool (a class without training data, e.g. digits 4-9 of a set holding 0-3) is skipped.
     */
    static List<Integer> draw(List<List<Integer>> pool, int n, long seed, int d) {
        Random rnd = new Random(seed * 1_000_003L + n * 10_007L + d);
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < pool.size(); c++) {
            if (pool.get(c) == null) continue;
            List<Integer> members = new ArrayList<>(pool.get(c));
            if (members.size() < n) throw new TooFewSamples(c, members.size(), n);
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(members.size() - i);
                Integer t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
                out.add(members.get(i));
            }
        }
        return out;
    }

    static Point point(int n, List<Draw> draws) {
        double mean = 0;
        for (Draw d : draws) mean += d.top1() / draws.size();
        double ss = 0;
        for (Draw d : draws) ss += (d.top1() - mean) * (d.top1() - mean);
        double std = draws.size() > 1 ? Math.sqrt(ss / (draws.size() - 1)) : Double.NaN;
        return new Point(n, mean, std, List.copyOf(draws));
    }

    /** Where the mean top-1 first reaches {@code zeroShotTop1}, interpolated on log2 n as in the paper's Figure 6. */
    public static Match matchingShots(List<Point> points, double zeroShotTop1) {
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            if (p.meanTop1() < zeroShotTop1) continue;
            if (i == 0) {
                return p.meanTop1() == zeroShotTop1 ? new Match(p.shots(), "interpolated") : new Match(Double.NaN, "below range");
            }
            Point q = points.get(i - 1);
            double t = (zeroShotTop1 - q.meanTop1()) / (p.meanTop1() - q.meanTop1());
            double log2 = log2(q.shots()) + t * (log2(p.shots()) - log2(q.shots()));
            return new Match(Math.pow(2, log2), "interpolated");
        }
        return new Match(Double.NaN, "above range");
    }

    private static double log2(int n) {
        return Math.log(n) / Math.log(2);
    }
}
