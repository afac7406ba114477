package dev.jclip.core.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * By hand (not a test): {@link VectorFloatLoops#exp} against the Vector API's {@code lanewise(EXP)} (SVML once C2
 * compiles it), over softmax-like inputs in [-10, 0], lengths 64..65536, in the same JVM. Run with
 * {@code java -XX:+UseSerialGC --add-modules jdk.incubator.vector -cp clip-core/target/test-classes:clip-core/target/classes
 * dev.jclip.core.nn.ExpBenchmark [ROUNDS]}.
 *
 * <p>Each round times every (length, variant) pair once, the variants alternating, 16 million elements each; the
 * figure is the median over the last two thirds of the rounds (the first third includes compilation). Time is this
 * thread's CPU time, not wall time: the development machine is shared, and CPU time does not count the time another
 * process held the core (it still counts a colder cache).
 *
 * <p>Each variant's loop is its own method, called many times, so C2 compiles it as a normal method with
 * {@code exp} inlined, as in the kernels. Timed inside {@code main}, C2 compiled the loops on-stack-replacement and
 * refused to inline {@code exp} ("callee is too large" under {@code -XX:+PrintInlining}), so every call boxed its
 * vectors: that measured the boxing, not the arithmetic.
 */
public final class ExpBenchmark {
    private static final int ELEMENTS = 16_000_000;

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

    private interface Loop {
        void run(float[] x, float[] y, int n);
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int[] lengths = {64, 1024, 4096, 65536};
        Loop[] loops = {ExpBenchmark::svml, ExpBenchmark::floatExp};
        float[] x = new float[65536], y = new float[65536];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (-10 * r.nextDouble());
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[][][] ns = new double[lengths.length][loops.length][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int l = 0; l < lengths.length; l++) {
                int n = lengths[l];
                long reps = ELEMENTS / n;
                for (int v = 0; v < loops.length; v++) {
                    long t0 = cpu.getCurrentThreadCpuTime();
                    for (long rep = 0; rep < reps; rep++) loops[v].run(x, y, n);
                    ns[l][v][round] = (cpu.getCurrentThreadCpuTime() - t0) / (double) (reps * n);
                }
            }
        }
        System.out.printf("%s %s, CPU ns per element, median (min-max) of rounds %d..%d%n", System.getProperty("java.vm.name"),
                Runtime.version(), rounds / 3, rounds - 1);
        for (int l = 0; l < lengths.length; l++) {
            System.out.printf("n=%d: lanewise(EXP) %s, FloatExp %s%n", lengths[l], median(ns[l][0], rounds / 3),
                    median(ns[l][1], rounds / 3));
        }
    }

    private static String median(double[] perRound, int from) {
        double[] w = Arrays.copyOfRange(perRound, from, perRound.length);
        Arrays.sort(w);
        return String.format("%.3f (%.3f-%.3f)", w[w.length / 2], w[0], w[w.length - 1]);
    }
}
