package dev.jclip.eval.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Image-to-text and text-to-image recall@k over a similarity matrix, under {@link TieRule}.
 *
 * <p>Each text (caption) belongs to exactly one image; an image may have several captions. Image-to-text: a
 * query image is a hit at k when any of its captions ranks below k. Text-to-image: a caption is a hit when its
 * one image ranks below k.
 *
 * @param imageToText recall by k (fraction of images), in the order the ks were given
 * @param textToImage recall by k (fraction of captions)
 * @param numImages   number of image queries
 * @param numTexts    number of caption queries
 */
public record RetrievalMetrics(Map<Integer, Double> imageToText, Map<Integer, Double> textToImage, int numImages,
                               int numTexts) {

    /**
     * @param similarity  [images][texts] similarities, higher is closer
     * @param textToImage for each text, the index of its image
     * @param ks          the cut-offs, e.g. 1, 5, 10
     */
    public static RetrievalMetrics of(double[][] similarity, int[] textToImage, int... ks) {
        int numImages = similarity.length;
        int numTexts = textToImage.length;
        if (numImages == 0 || numTexts == 0) throw new IllegalArgumentException("retrieval needs at least one image and one text");
        boolean[][] correct = new boolean[numImages][numTexts];
        for (int t = 0; t < numTexts; t++) {
            int img = textToImage[t];
            if (img < 0 || img >= numImages) throw new IllegalArgumentException("text " + t + " points to image " + img + " of " + numImages);
            correct[img][t] = true;
        }
        long[] captions = new long[numImages];
        for (int img : textToImage) captions[img]++;
        for (int i = 0; i < numImages; i++) {
            if (captions[i] == 0) throw new IllegalArgumentException("image " + i + " has no caption");
        }
        int[] i2tRanks = new int[numImages];
        for (int i = 0; i < numImages; i++) {
            if (similarity[i].length != numTexts) {
                throw new IllegalArgumentException("similarity row " + i + " has " + similarity[i].length + " entries, expected " + numTexts);
            }
            i2tRanks[i] = TieRule.rank(similarity[i], correct[i]);
        }
        int[] t2iRanks = new int[numTexts];
        double[] column = new double[numImages];
        for (int t = 0; t < numTexts; t++) {
            for (int i = 0; i < numImages; i++) column[i] = similarity[i][t];
            t2iRanks[t] = TieRule.rank(column, textToImage[t]);
        }
        return fromRanks(i2tRanks, t2iRanks, numImages, numTexts, ks);
    }

    /**
     * Recall@k in both directions from each query's rank (how many wrong candidates score at least as high as its
     * right one): the fraction of ranks below k.
     */
    static RetrievalMetrics fromRanks(int[] i2tRanks, int[] t2iRanks, int numImages, int numTexts, int... ks) {
        Map<Integer, Double> i2t = new LinkedHashMap<>();
        Map<Integer, Double> t2i = new LinkedHashMap<>();
        for (int k : ks) {
            if (k < 1) throw new IllegalArgumentException("recall@k needs k >= 1, got " + k);
            i2t.put(k, fractionBelow(i2tRanks, k));
            t2i.put(k, fractionBelow(t2iRanks, k));
        }
        return new RetrievalMetrics(i2t, t2i, numImages, numTexts);
    }

    private static double fractionBelow(int[] ranks, int k) {
        int hits = 0;
        for (int r : ranks) if (r < k) hits++;
        return (double) hits / ranks.length;
    }
}
