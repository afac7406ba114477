package dev.jclip.core;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Thread settings for ND4J's two pools: its OpenMP ops and the BLAS library. Both must agree or they compete for
 * the same cores (DESIGN.md measured 2-thread runs slower than 1-thread ones that way). {@code OMP_WAIT_POLICY}
 * can only be set before the native library loads, so the {@code clip} launcher exports it (PASSIVE). Results do
 * not depend on the count: matrix products and convolutions run on one OpenMP thread per block
 * ({@link dev.jclip.core.nn.MatMul}), the blocks and the fused kernels on {@code n} Java threads.
 */
public final class Threads {
    private Threads() {
    }

    /**
     * Uses {@code n} threads for ND4J ops, BLAS and the fused Java kernels; {@code n <= 0} keeps the defaults. Returns
     * the count ND4J reports (which does not drop below its starting {@code OMP_NUM_THREADS}).
     */
    public static int configure(int n) {
        if (n > 0) {
            Nd4j.getEnvironment().setMaxThreads(n);
            Nd4j.getEnvironment().setMaxMasterThreads(n);
            Nd4j.factory().blas().setMaxThreads(n);
            dev.jclip.core.nn.CpuKernels.setThreads(n);
        }
        return Nd4j.getEnvironment().maxThreads();
    }
}
