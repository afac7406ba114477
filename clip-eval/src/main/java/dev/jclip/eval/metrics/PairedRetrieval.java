package dev.jclip.eval.metrics;


/**
 * Recall@k in both directions for one-to-one pairs (image i belongs to caption i), as {@link RetrievalMetrics}
 * computes it under the same {@link TieRule}, but without the N x N similarity matrix: each similarity is
 * computed once, compared with its row's and its column's correct score, and dropped, so memory stays at the
 * features plus two rank counters per pair however large the validation set.
 */
public final class PairedRetrieval {
    private PairedRetrieval() {
    }

    /**
     * @param images unit-length image features, one row per pair
     * @param texts  unit-length text features, row i the caption of image i
     */
    public static RetrievalMetrics of(double[][] images, double[][] texts, int... ks) {
        int n = images.length;
        if (n == 0 || texts.length != n) throw new IllegalArgumentException("need as many texts as images (one-to-one), got " + n + " and " + texts.length);
        double[] correct = new double[n];
        for (int i = 0; i < n; i++) correct[i] = checked(dot(images[i], texts[i]), i, i);
        int[] i2t = new int[n]; // wrong captions scoring at least as high as image i's own
        int[] t2i = new int[n]; // wrong images scoring at least as high as caption t's own
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < n; t++) {
                if (t == i) continue;
                double s = checked(dot(images[i], texts[t]), i, t);
                if (s >= correct[i]) i2t[i]++;
                if (s >= correct[t]) t2i[t]++;
            }
        }
        return RetrievalMetrics.fromRanks(i2t, t2i, n, n, ks);
    }

    /** The same loop as {@code Vectors.dotProducts}, so each score has the same bits as in the full matrix. */
    private static double dot(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("width mismatch: " + a.length + " vs " + b.length);
        double s = 0;
        for (int k = 0; k < a.length; k++) s += a[k] * b[k];
        return s;
    }

    private static double checked(double s, int image, int text) {
        if (!Double.isFinite(s)) throw new IllegalArgumentException("similarity of image " + image + " and text " + text + " is " + s);
        return s;
    }
}
