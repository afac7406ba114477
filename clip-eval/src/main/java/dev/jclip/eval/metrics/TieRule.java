package dev.jclip.eval.metrics;

/**
 * The one tie rule every ranking metric in this module uses: <b>ties count against the correct item</b>.
 *
 * <p>The rank (0-based) of the best correct item is the number of <em>wrong</em> items whose score is greater
 * than or equal to the best correct item's score. A query is a hit at k when that rank is below k. The rule is
 * pessimistic and deterministic: it does not depend on the order items are stored in, and a model that outputs
 * the same score for everything scores zero rather than the lucky value a stable sort would give it.
 */
public final class TieRule {
    private TieRule() {
    }

    /** Rank of item {@code correct} among {@code scores}: wrong items scoring at least as high. */
    public static int rank(double[] scores, int correct) {
        checkFinite(scores);
        if (correct < 0 || correct >= scores.length) {
            throw new IllegalArgumentException("correct index " + correct + " outside 0.." + (scores.length - 1));
        }
        double s = scores[correct];
        int rank = 0;
        for (int j = 0; j < scores.length; j++) {
            if (j != correct && scores[j] >= s) rank++;
        }
        return rank;
    }

    /**
     * Rank of the best of several correct items: wrong items scoring at least as high as the highest-scoring
     * correct one. Other correct items never count against.
     */
    public static int rank(double[] scores, boolean[] isCorrect) {
        checkFinite(scores);
        if (isCorrect.length != scores.length) {
            throw new IllegalArgumentException("isCorrect has " + isCorrect.length + " entries, scores " + scores.length);
        }
        double best = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (int j = 0; j < scores.length; j++) {
            if (isCorrect[j]) {
                any = true;
                best = Math.max(best, scores[j]);
            }
        }
        if (!any) throw new IllegalArgumentException("no correct item among " + scores.length);
        int rank = 0;
        for (int j = 0; j < scores.length; j++) {
            if (!isCorrect[j] && scores[j] >= best) rank++;
        }
        return rank;
    }

    /**
     * The predicted class consistent with {@link #rank}: the true class only when it is the unique maximum,
     * otherwise the lowest-indexed wrong class among those with the maximal score. So a confusion matrix's
     * diagonal always agrees with top-1 accuracy.
     */
    public static int predicted(double[] scores, int trueClass) {
        checkFinite(scores);
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) max = Math.max(max, s);
        for (int j = 0; j < scores.length; j++) {
            if (j != trueClass && scores[j] == max) return j;
        }
        return trueClass;
    }

    private static void checkFinite(double[] scores) {
        if (scores.length == 0) throw new IllegalArgumentException("empty score vector");
        for (int j = 0; j < scores.length; j++) {
            if (!Double.isFinite(scores[j])) throw new IllegalArgumentException("score " + j + " is " + scores[j]);
        }
    }
}
