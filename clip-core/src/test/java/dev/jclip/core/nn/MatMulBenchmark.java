package dev.jclip.core.nn;


import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import java.lang.management.ManagementFactory;

/**
 * By hand (not a test): CPU time of the calling thread for one product, {@code Nd4j.gemm} against {@link MatMul#gemm},
 * interleaved, best of 7; thread CPU time is steadier than wall-clock on a shared machine. Run with
 * {@code OMP_NUM_THREADS=1 java -cp clip-core/target/test-classes:clip-core/target/classes:<ND4J class path>
 * dev.jclip.core.nn.MatMulBenchmark}.
 */
public final class MatMulBenchmark {
    private MatMulBenchmark() {
    }

    public static void main(String[] args) {
        var mx = ManagementFactory.getThreadMXBean();
        KernelThreads.configure(1);
        int[][] shapes = {{1088, 64, 192}, {1088, 64, 256}, {1088, 256, 64}, {8320, 128, 384}, {8320, 128, 512}};
        for (int[] s : shapes) {
            INDArray x = Nd4j.rand(s[0], s[1]), w = Nd4j.rand(s[2], s[1]);
            int reps = Math.max(3, (int) (2e9 / ((long) s[0] * s[1] * s[2])));
            long nd = Long.MAX_VALUE, bl = Long.MAX_VALUE;
            for (int r = 0; r < 7; r++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) Nd4j.gemm(x, w, false, true);
                long t1 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) MatMul.gemm(x, w, false, true);
                long t2 = mx.getCurrentThreadCpuTime();
                nd = Math.min(nd, (t1 - t0) / reps); bl = Math.min(bl, (t2 - t1) / reps);
            }
            System.out.printf("%s blocks=%d nd4j %.1f us, MatMul %.1f us (CPU time of the calling thread, best of 7)%n", java.util.Arrays.toString(s), MatMul.blocks(s[0], s[2], s[1]).length - 1, nd / 1e3, bl / 1e3);
        }
    }
}
