package dev.jclip.eval.features;

/** Small dense-vector helpers used by every evaluation. */
public final class Vectors {
    private Vectors() {
    }

    /** Each row scaled to unit L2 norm, in double precision; a zero row is an error (it has no direction). */
    public static double[][] normalisedRows(float[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            double s = 0;
            for (float v : rows[i]) s += (double) v * v;
            double norm = Math.sqrt(s);
            if (!(norm > 0) || !Double.isFinite(norm)) throw new IllegalArgumentException("feature vector " + i + " has norm " + norm);
            out[i] = new double[rows[i].length];
            for (int j = 0; j < rows[i].length; j++) out[i][j] = rows[i][j] / norm;
        }
        return out;
    }

    /** Rows as doubles, unchanged. */
    public static double[][] toDouble(float[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = new double[rows[i].length];
            for (int j = 0; j < rows[i].length; j++) out[i][j] = rows[i][j];
        }
        return out;
    }

    /** a · bᵀ: [N][D] x [M][D] -> [N][M]. */
    public static double[][] dotProducts(double[][] a, double[][] b) {
        double[][] out = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[0].length) {
                throw new IllegalArgumentException("width mismatch: " + a[i].length + " vs " + b[0].length);
            }
            for (int j = 0; j < b.length; j++) {
                double s = 0;
                for (int k = 0; k < a[i].length; k++) s += a[i][k] * b[j][k];
                out[i][j] = s;
            }
        }
        return out;
    }
}
