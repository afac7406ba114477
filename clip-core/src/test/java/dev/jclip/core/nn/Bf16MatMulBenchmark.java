package dev.jclip.core.nn;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * By hand (not a test), issue 23 "bf16 where the CPU has it": GFLOP/s of CLIP's product shapes through ND4J, float32
 * {@code Nd4j.gemm} against the {@code matmul} custom op (whose oneDNN platform helper accepts bf16 for rank-2,
 * c-ordered operands) with float32 and BFLOAT16 operands, the float32 -> bf16 conversion of the left operand, and the
 * relative error (Frobenius) of each product against a float64 product of the same float32 operands. Operands and
 * outputs are allocated once per shape and reused; times are CPU time of the calling thread, best of
 * {@code -Dreps=7} rounds, so the time other processes take does not count ({@code -Dshape=I} times only the I-th
 * shape, {@code -DskipMixed=true} skips bf16 x bf16 -> float32, which ND4J rejects). Run with
 * {@code OMP_NUM_THREADS=1 DNNL_VERBOSE=1 java -cp clip-core/target/test-classes:clip-core/target/classes:<ND4J
 * class path> dev.jclip.core.nn.Bf16MatMulBenchmark} (docs/PERFORMANCE.md, "bf16 matrix products (issue 23)");
 * each result line starts with {@code RESULT}; oneDNN 2.3's verbose lines ({@code DNNL_VERBOSE}, it ignores
 * {@code ONEDNN_VERBOSE}) say which implementation ran.
 */
public final class Bf16MatMulBenchmark {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** Minor page faults of the calling thread per call in the last {@link #time}'s best round. */
    private static long faultsOfBest;

    private Bf16MatMulBenchmark() {
    }

    public static void main(String[] args) {
        KernelThreads.configure(1);
        int best = Integer.getInteger("reps", 7);
        int[][] shapes = {{8320, 128, 384}, {8320, 128, 512}, {8320, 512, 128},
            {400, 768, 2304}, {400, 768, 3072}, {400, 3072, 768}, {1024, 1024, 1024}};
        int only = Integer.getInteger("shape", -1);
        for (int si = 0; si < shapes.length; si++) {
            if (only >= 0 && si != only) continue;
            int[] s = shapes[si];
            int m = s[0], k = s[1], n = s[2];
            double flop = 2.0 * m * k * n;
            int calls = Math.max(1, (int) (1e9 / flop));
            Nd4j.getRandom().setSeed(23);
            INDArray a = Nd4j.randn(DataType.FLOAT, m, k), b = Nd4j.randn(DataType.FLOAT, k, n);
            INDArray ref = Nd4j.gemm(a.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE), false, false);
            String shape = "[" + m + "," + k + "]x[" + k + "," + n + "]";

            INDArray c = Nd4j.create(DataType.FLOAT, m, n);
            report(shape, "nd4j_gemm_f32", flop,
                time(best, calls, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0)), c, ref);
            INDArray c2 = Nd4j.create(DataType.FLOAT, m, n);
            report(shape, "matmul_op_f32", flop, time(best, calls, () -> matmul(a, b, c2)), c2, ref);

            INDArray ab = Nd4j.create(DataType.BFLOAT16, m, k), bb = Nd4j.create(DataType.BFLOAT16, k, n);
            long conv = time(best, calls, () -> ab.assign(a));
            bb.assign(b);
            System.out.printf("RESULT %s convert_a_f32_to_bf16 %.3f ms (%.1f%% of the f32 gemm)%n", shape, conv / 1e6,
                100.0 * conv / time(best, calls, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0)));

            INDArray cbf = Nd4j.create(DataType.BFLOAT16, m, n);
            tryRoute(shape, "matmul_op_bf16_bf16_to_bf16", flop, best, calls, () -> matmul(ab, bb, cbf), cbf, ref);
            INDArray cf = Nd4j.create(DataType.FLOAT, m, n);
            if (!Boolean.getBoolean("skipMixed")) {
                tryRoute(shape, "matmul_op_bf16_bf16_to_f32", flop, best, calls, () -> matmul(ab, bb, cf), cf, ref);
            }
            INDArray cbg = Nd4j.create(DataType.BFLOAT16, m, n);
            tryRoute(shape, "nd4j_gemm_bf16_to_bf16", flop, best, calls,
                () -> Nd4j.gemm(ab, bb, cbg, false, false, 1.0, 0.0), cbg, ref);
            // the same two routes again, each into the other's output: tells a slow route from a slow output array
            tryRoute(shape, "matmul_op_bf16_bf16_to_bf16_again_other_output", flop, best, calls,
                () -> matmul(ab, bb, cbg), cbg, ref);
            tryRoute(shape, "nd4j_gemm_bf16_to_bf16_again_other_output", flop, best, calls,
                () -> Nd4j.gemm(ab, bb, cbf, false, false, 1.0, 0.0), cbf, ref);
        }
    }

    private static void matmul(INDArray x, INDArray y, INDArray z) {
        Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(x, y).addOutputs(z)
            .addFloatingPointArguments(1.0, 0.0).addIntegerArguments(0, 0, 0).build());
    }

    private static void tryRoute(String shape, String route, double flop, int best, int calls, Runnable r,
                                 INDArray out, INDArray ref) {
        try {
            report(shape, route, flop, time(best, calls, r), out, ref);
        } catch (RuntimeException e) {
            System.out.printf("RESULT %s %s failed: %s%n", shape, route, e);
        }
    }

    /** Best of {@code best} rounds of the calling thread's CPU time per call, in ns, after one warm-up call. */
    private static long time(int best, int calls, Runnable r) {
        r.run();
        long min = Long.MAX_VALUE;
        for (int i = 0; i < best; i++) {
            long f0 = minorFaults(), t0 = MX.getCurrentThreadCpuTime();
            for (int j = 0; j < calls; j++) r.run();
            long t = (MX.getCurrentThreadCpuTime() - t0) / calls;
            if (t < min) {
                min = t;
                faultsOfBest = (minorFaults() - f0) / calls;
            }
        }
        return min;
    }

    /** The calling thread's minor page faults so far (field 10 of /proc/thread-self/stat), or -1. */
    private static long minorFaults() {
        try {
            String st = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
            return Long.parseLong(st.substring(st.lastIndexOf(')') + 2).split(" ")[7]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void report(String shape, String route, double flop, long ns, INDArray out, INDArray ref) {
        INDArray d = out.castTo(DataType.DOUBLE);
        double err = d.sub(ref).norm2Number().doubleValue() / ref.norm2Number().doubleValue();
        System.out.printf("RESULT %s %s %.1f GFLOP/s (%.3f ms, thread CPU, best of rounds; %d minor page faults a call)"
            + " rel_err %.2e%n", shape, route, flop / ns, ns / 1e6, faultsOfBest, err);
    }
}
