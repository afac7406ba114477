package dev.jclip.core.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * By hand (not a test): {@link VectorFloatLoops#exp} against the Vector API's {@code lanewise(EXP)} (SVML once C2
 * compiles it), over softmax-like inputs, interleaved rounds, lengths 64..65536. Run with
 * {@code java -XX:+UseSerialGC --add-modules jdk.incubator.vector -cp clip-core/target/test-classes:clip-core/target/classes
 * dev.jclip.core.nn.ExpBenchmark}.
 *
 * <p>Each variant's loop is its own method, called many times, so C2 compiles it as a normal method with
 * {@code exp} inlined, as in the kernels. The first version timed the loops inside {@code main}: there C2 compiled
 * them on-stack-replacement and refused to inline the 176-byte {@code exp} ("callee is too large" under
 * {@code -XX:+PrintInlining}), so every call boxed its vectors and, compiled on its own with an unknown vector
 * shape, {@code exp}'s {@code convert}/{@code binaryOp}/{@code broadcastInt} intrinsics failed: that measured the
 * boxing, not the arithmetic.
 */
public final class ExpBenchmark {
    private ExpBenchmark() {
    }

    static void svml(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += 8) {
            FloatVector.fromArray(FloatVector.SPECIES_256, x, i).lanewise(VectorOperators.EXP).intoArray(y, i);
        }
    }

    static void floatExp(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += 8) VectorFloatLoops.exp(FloatVector.fromArray(FloatVector.SPECIES_256, x, i)).intoArray(y, i);
    }

    public static void main(String[] args) {
        int[] lengths = {64, 1024, 4096, 65536};
        float[] x = new float[65536], y = new float[65536];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (-10 * r.nextDouble());
        for (int round = 0; round < 4; round++) {
            for (int n : lengths) {
                long reps = 80_000_000L / n;
                long t0 = System.nanoTime();
                for (long rep = 0; rep < reps; rep++) svml(x, y, n);
                long t1 = System.nanoTime();
                for (long rep = 0; rep < reps; rep++) floatExp(x, y, n);
                long t2 = System.nanoTime();
                double e = (double) reps * n;
                System.out.printf("round %d n=%d: lanewise(EXP) %.3f ns/element, FloatExp %.3f ns/element%n", round, n,
                        (t1 - t0) / e, (t2 - t1) / e);
            }
        }
    }
}
