package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * By hand (not a test): CPU time of the calling thread for the attention core's forward and backward at MEDIUM's
 * shapes (bench/configs/medium.json at batch 128: image towers 65 tokens, text 32 tokens causal, 4 heads of 32),
 * one kernel thread, median of 7 rounds of 3 calls each, after 10 warm-up calls. The kernel's constructor and methods are those of every version since the
 * fused kernel, so the same class measures an older build by putting its classes first on the class path. Run with
 * {@code OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp clip-core/target/test-classes:clip-core/target/classes:<ND4J class path>
 * dev.jclip.core.nn.AttentionBenchmark}.
 */
public final class AttentionBenchmark {
    private AttentionBenchmark() {
    }

    public static void main(String[] args) {
        var mx = ManagementFactory.getThreadMXBean();
        KernelThreads.configure(1);
        int batch = 128, heads = 4, hd = 32, width = heads * hd, rounds = 7;
        Object[][] shapes = {{"image t=65", 65, false}, {"text t=32 causal", 32, true}};
        String width512;
        try {
            width512 = "product lanes " + VectorFloatLoops.class.getDeclaredMethod("productLanes").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            width512 = "no product loop (older build)";
        }
        System.out.println("loops=" + CpuKernels.loops() + ", " + width512 + ", java " + System.getProperty("java.version"));
        for (Object[] s : shapes) {
            int t = (int) s[1];
            boolean causal = (boolean) s[2];
            INDArray qkv = Nd4j.randn(DataType.FLOAT, (long) batch * t, 3L * width);
            INDArray probs = Nd4j.create(DataType.FLOAT, (long) batch * heads, t, t), ctx = Nd4j.create(DataType.FLOAT, (long) batch * t, width);
            INDArray dc = Nd4j.randn(DataType.FLOAT, (long) batch * t, width), dx = Nd4j.create(DataType.FLOAT, (long) batch * t, 3L * width);
            AttentionKernel kernel = new AttentionKernel(batch, t, heads, hd, (float) (1 / Math.sqrt(hd)), causal);
            for (int w = 0; w < 10; w++) {
                kernel.forward(qkv, probs, ctx);
                kernel.backward(qkv, probs, dc, dx);
            }
            long[] fwd = new long[rounds], bwd = new long[rounds];
            int reps = 3;
            for (int r = 0; r < rounds; r++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) kernel.forward(qkv, probs, ctx);
                long t1 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) kernel.backward(qkv, probs, dc, dx);
                long t2 = mx.getCurrentThreadCpuTime();
                fwd[r] = (t1 - t0) / reps;
                bwd[r] = (t2 - t1) / reps;
            }
            Arrays.sort(fwd);
            Arrays.sort(bwd);
            double f = fwd[rounds / 2] / 1e6, b = bwd[rounds / 2] / 1e6;
            // multiply-adds of the six products (causal: those the mask leaves, about half)
            double macs = 6.0 * batch * heads * hd * (causal ? t * (t + 1) / 2.0 : (double) t * t);
            System.out.printf("%-17s forward %.2f ms, backward %.2f ms, both %.2f ms (%.1f GFLOP/s; thread CPU time, median of %d)%n",
                    s[0], f, b, f + b, 2 * macs / ((f + b) * 1e6), rounds);
        }
    }
}
