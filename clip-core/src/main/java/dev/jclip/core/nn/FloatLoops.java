package dev.jclip.core.nn;

/**
 * The innermost loops of the fused CPU kernels, over float arrays at an offset. Two versions: the JDK's Vector API
 * ({@link VectorFloatLoops}, used when the JVM runs with {@code --add-modules jdk.incubator.vector}, as the
 * {@code clip} launcher and the tests do) and plain Java loops ({@link ScalarFloatLoops}, everywhere else, or with
 * {@code -Djclip.vector=false}).
 *
 * <p><b>Both give the same bits</b>, in every JIT tier and on any vector width, so a training run does not depend on
 * the machine, the JVM's flags or when the JIT compiles what (tested). That fixes how each result is rounded:
 * <ul>
 *   <li>every {@code a * b + c} is a rounded product, then a rounded sum (Java never fuses them by itself), except
 *       in {@link FloatExp} and {@link #product}, which call fma explicitly: one rounding, exactly specified, so the
 *       same bits too;</li>
 *   <li>the exponential is {@link FloatExp} (not {@code Math.exp} or the Vector API's {@code EXP});</li>
 *   <li>a sum of n terms t_i (dot products, sums, softmax denominators) is taken over 16 lanes whatever the hardware
 *       width: lane j adds t_j, t_{j+16}, ... in order from 0 over the first 16 floor(n/16) terms; the lanes are
 *       combined as a fixed tree (lane j + lane j+8, then j + j+4, j + j+2, j + j+1) and the remaining n mod 16 terms
 *       added one at a time. See {@link ScalarFloatLoops#sum16}.</li>
 *   <li>a small matrix product ({@link #product}, the attention core) computes each output element as one chain of
 *       fused multiply-adds over the inner index in order from 0, starting from +0:
 *       {@code c = fma(a[i][r], b[r][j], c)} for r = 0, 1, ..., one rounding per term ({@link Math#fma} and
 *       {@code FloatVector.fma} are exactly specified). No element is split into partial sums, so the vector
 *       width (256 or 512 bits, or a scalar loop) changes which elements are computed together, never a bit of
 *       any of them.</li>
 * </ul>
 * The fused multiply-adds are hardware instructions wherever the vector loops run (their CPUs have FMA); the scalar
 * loops on a CPU without FMA ({@code -XX:UseAVX=0} turns it off) get {@link Math#fma}'s exact software emulation,
 * correct but slow.
 */
interface FloatLoops {

    /** The version this JVM can run. */
    FloatLoops INSTANCE = choose();

    private static FloatLoops choose() {
        boolean wanted = !"false".equals(System.getProperty("jclip.vector"));
        if (wanted && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                return (FloatLoops) Class.forName("dev.jclip.core.nn.VectorFloatLoops").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // no 256-bit vectors on this CPU, or no Vector API: the scalar loops give the same results
            }
        }
        return new ScalarFloatLoops();
    }

    /** Lanes of every partial sum, whatever the vector width. */
    int LANES = 16;

    /** sum a[ao + i] * b[bo + i], i < n */
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /**
     * c[co + i cStride + j] = sum over r < k of a[ao + i aStride + r] * b[bo + r bStride + j], for i < m and j < n: a
     * small row-major matrix product, each element one fused multiply-add chain over r in order from 0 (the rule in
     * this interface's description). c must not overlap a or b. Attention computes q k^T, P v and their gradients
     * with it, with the right-hand operand transposed into scratch where needed, so no element needs a horizontal
     * sum across vector lanes.
     */
    void product(float[] a, int ao, int aStride, float[] b, int bo, int bStride, int m, int k, int n,
                 float[] c, int co, int cStride);

    /** a[o + i] *= s */
    void scale(float[] a, int o, int n, float s);

    /** max of a[o .. o + n) */
    float max(float[] a, int o, int n);

    /** a[o + i] = exp(a[o + i] - shift), returning their sum (softmax numerators). */
    float expShifted(float[] a, int o, int n, float shift);

    /** sum of a[o .. o + n) */
    float sum(float[] a, int o, int n);

    /** sum (a[o + i] - mean)^2 */
    float squaredDeviation(float[] a, int o, int n, float mean);

    /** h = (x - mean) * rstd; y = h * g + b, for one row of n */
    void normalise(float[] x, int o, int n, float mean, float rstd, float[] g, float[] b, float[] h, float[] y);

    /** sum (dy * g) * h over one row (LayerNorm backward) */
    float dotScaled(float[] dy, int o, float[] g, float[] h, int n);

    /** dx = (dy * g - m1 - h * m2) * rstd for one row, and dgAcc += dy * h, dbAcc += dy (dx may be dy) */
    void layerNormGrad(float[] dy, float[] h, int o, int n, float[] g, float m1, float m2, float rstd, float[] dx,
                       float[] dgAcc, float[] dbAcc);

    /** QuickGELU: y = x * sigmoid(1.702 x), over [0, n) */
    void quickGelu(float[] x, float[] y, int n);

    /** QuickGELU backward: dx = dy * (s + 1.702 x s (1 - s)) with s = sigmoid(1.702 x) recomputed, over [0, n) */
    void quickGeluGrad(float[] dy, float[] x, float[] dx, int n);

    /**
     * AdamW on [o, o + n): p *= keep (decoupled weight decay, keep = 1 - lr wd); m = b1 m + (1 - b1) g;
     * v = b2 v + (1 - b2) g^2; p -= stepSize m / (sqrt(v) / bc2Sqrt + eps).
     */
    void adamW(float[] p, float[] g, float[] m, float[] v, int o, int n, float keep, float b1, float b2, float stepSize,
               float bc2Sqrt, float eps);

    /** acc[i] += a[o + i] * b[o + i] */
    void addProductInto(float[] a, float[] b, int o, float[] acc, int n);

    /** acc[i] += (x[o + i] - mean[i])^2 */
    void addSquaredDeviationInto(float[] x, int o, float[] mean, float[] acc, int n);

    /** Per-channel normalisation of one row: h = (x - mean) * rstd, y = h * g + b (all but x, h, y indexed by channel). */
    void normaliseChannels(float[] x, int o, int n, float[] mean, float[] rstd, float[] g, float[] b, float[] h, float[] y);

    /** BatchNorm backward for one row: dx = scale * dy - (mDy + h * mDyH) (per-channel scale, mDy, mDyH). */
    void batchNormGrad(float[] dy, float[] h, int o, int n, float[] scale, float[] mDy, float[] mDyH, float[] dx);

    /** ReLU backward: dx = y > 0 ? dy : 0 over [0, n) */
    void reluGrad(float[] y, float[] dy, float[] dx, int n);

    /** y[yo + i] += x[xo + i] */
    void addTo(float[] x, int xo, float[] y, int yo, int n);
}
