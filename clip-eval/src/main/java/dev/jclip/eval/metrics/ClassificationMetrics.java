package dev.jclip.eval.metrics;

import java.util.Arrays;

/**
 * Top-k accuracy, per-class recall and the confusion matrix of a score matrix, under {@link TieRule}.
 *
 * @param numClasses        number of classes C
 * @param count             number of samples scored
 * @param top1              fraction of samples whose true class ranks first
 * @param top5              fraction whose true class ranks in the first five (1.0 by definition when C &lt;= 5)
 * @param perClassRecall    per class: correct top-1 / samples of that class; NaN for a class with no samples
 * @param meanPerClassRecall mean of {@code perClassRecall} over classes that have samples
 * @param confusion         [true][predicted] counts, prediction as {@link TieRule#predicted}
 * @param classCounts       samples per true class
 */
public record ClassificationMetrics(int numClasses, int count, double top1, double top5, double[] perClassRecall,
                                    double meanPerClassRecall, long[][] confusion, long[] classCounts) {

    /** Top-k accuracy for any k, kept separate so tests can check k other than 1 and 5. */
    public static double topK(double[][] scores, int[] labels, int k) {
        check(scores, labels);
        int hits = 0;
        for (int i = 0; i < scores.length; i++) {
            if (TieRule.rank(scores[i], labels[i]) < k) hits++;
        }
        return (double) hits / scores.length;
    }

    /**
     * Scores every sample.
     *
     * @param scores     [N][C] scores, higher is better (logits, similarities, probabilities)
     * @param labels     N true class indices in 0..C-1
     * @param numClasses C
     */
    public static ClassificationMetrics of(double[][] scores, int[] labels, int numClasses) {
        check(scores, labels);
        long[][] confusion = new long[numClasses][numClasses];
        long[] counts = new long[numClasses];
        int hits1 = 0;
        int hits5 = 0;
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].length != numClasses) {
                throw new IllegalArgumentException("row " + i + " has " + scores[i].length + " scores, expected " + numClasses);
            }
            int y = labels[i];
            if (y < 0 || y >= numClasses) throw new IllegalArgumentException("label " + y + " of sample " + i + " outside 0.." + (numClasses - 1));
            int rank = TieRule.rank(scores[i], y);
            if (rank < 1) hits1++;
            if (rank < 5) hits5++;
            confusion[y][TieRule.predicted(scores[i], y)]++;
            counts[y]++;
        }
        double[] recall = new double[numClasses];
        double sum = 0;
        int present = 0;
        for (int c = 0; c < numClasses; c++) {
            recall[c] = counts[c] == 0 ? Double.NaN : (double) confusion[c][c] / counts[c];
            if (counts[c] > 0) {
                sum += recall[c];
                present++;
            }
        }
        int n = scores.length;
        return new ClassificationMetrics(numClasses, n, (double) hits1 / n, (double) hits5 / n, recall,
                sum / present, confusion, counts);
    }

    private static void check(double[][] scores, int[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " score rows but " + labels.length + " labels");
        }
        if (scores.length == 0) throw new IllegalArgumentException("no samples to score");
    }

    @Override
    public String toString() {
        return "ClassificationMetrics[top1=" + top1 + ", top5=" + top5 + ", meanPerClassRecall=" + meanPerClassRecall
                + ", perClassRecall=" + Arrays.toString(perClassRecall) + "]";
    }
}
