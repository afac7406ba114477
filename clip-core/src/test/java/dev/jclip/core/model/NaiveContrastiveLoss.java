package dev.jclip.core.model;

/**
 * CLIP's loss written out from its definition in double precision, the reference the fast implementations are
 * checked against: logits = scale * cosine(image i, text j); the mean over pairs of the image-to-text and
 * text-to-image cross-entropies, halved. Finite only for small logits (no max subtraction, on purpose: textbook).
 */
public final class NaiveContrastiveLoss {
    private NaiveContrastiveLoss() {
    }

    /** The loss of a batch of n pairs: {@code img[i]} and {@code txt[i]} belong together. */
    public static double of(double[][] img, double[][] txt, double scale) {
        int n = img.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0, ni = 0, nt = 0;
                for (int k = 0; k < img[i].length; k++) {
                    dot += img[i][k] * txt[j][k];
                    ni += img[i][k] * img[i][k];
                    nt += txt[j][k] * txt[j][k];
                }
                l[i][j] = scale * dot / Math.sqrt(ni * nt);
            }
        }
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double row = 0, col = 0;
            for (int j = 0; j < n; j++) {
                row += Math.exp(l[i][j]);
                col += Math.exp(l[j][i]);
            }
            loss -= Math.log(Math.exp(l[i][i]) / row) + Math.log(Math.exp(l[i][i]) / col);
        }
        return loss / (2 * n);
    }
}
