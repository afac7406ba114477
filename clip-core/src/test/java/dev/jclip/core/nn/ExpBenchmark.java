package dev.jclip.core.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * By hand (not a test): {@link VectorFloatLoops#exp} against the Vector API's {@code lanewise(EXP)} (SVML once C2
 * compiles it), over softmax-like inputs, interleaved rounds. Run with
 * {@code java --add-modules jdk.incubator.vector -cp clip-core/target/test-classes:clip-core/target/classes
 * dev.jclip.core.nn.ExpBenchmark}.
 */
public final class ExpBenchmark {
    private ExpBenchmark() {
    }

    public static void main(String[] args) {
        float[] x = new float[4096], y = new float[4096];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (-10 * r.nextDouble());
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (int rep = 0; rep < 20_000; rep++) {
                for (int i = 0; i < x.length; i += 8) {
                    FloatVector.fromArray(FloatVector.SPECIES_256, x, i).lanewise(VectorOperators.EXP).intoArray(y, i);
                }
            }
            long t1 = System.nanoTime();
            for (int rep = 0; rep < 20_000; rep++) {
                for (int i = 0; i < x.length; i += 8) VectorFloatLoops.exp(FloatVector.fromArray(FloatVector.SPECIES_256, x, i)).intoArray(y, i);
            }
            long t2 = System.nanoTime();
            double n = 20_000.0 * x.length;
            System.out.printf("round %d: lanewise(EXP) %.3f ns/element, FloatExp %.3f ns/element%n", round, (t1 - t0) / n, (t2 - t1) / n);
        }
    }
}
