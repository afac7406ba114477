package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every matrix product of the layers and the loss, with a result that does not depend on the thread count.
 *
 * <p>libnd4j runs a product on as many OpenMP threads as the calling thread's OpenMP count ({@code OMP_NUM_THREADS}
 * when it loaded), and some products round differently at 1 and 2 threads (measured: [128, K] x [64, K]^T for every
 * K from 16 to 512; docs/TRAINING.md). That count cannot be lowered process-wide after start-up, but it is a
 * per-thread setting: libnd4j's {@code setOmpNumThreads} ({@code omp_set_num_threads}) changes it for the calling
 * thread only. So by default ({@code -Djclip.matmul=blocks}) each product is cut into row blocks of the output whose
 * boundaries depend on the shapes only ({@link #blocks}), each block is one product on one OpenMP thread, and the
 * blocks are shared among the {@link KernelThreads} (the {@code threads} option): the result depends on the partition,
 * never on how many threads ran it. {@code -Djclip.matmul=openmp} calls ND4J directly with its OpenMP threads: faster
 * for some shapes, but a run then depends on {@code OMP_NUM_THREADS} (recorded as a numerics setting). Off the CPU
 * backend (CUDA) every call goes to ND4J unchanged.
 *
 * <p>Inside {@link #inPrecision}({@link Precision#BF16}) the 2-D products of FLOAT arrays go to the {@link Bf16Gemm}
 * instead of ND4J, block by block as above (the batched {@link #matmul}, the attention cores' products, stay float32).
 */
public final class MatMul {
    private static final boolean CPU = Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("cpu");
    private static final boolean OPENMP = openmpRequested();
    /**
     * Multiply-adds per block, about. Cutting costs more than the op calls: with 4M per block, single-threaded CPU
     * time rose 20-50% on SMALL's products and 18% on MEDIUM's (16 blocks); with 16M and at most 8 blocks, 4% for
     * one block and 16-25% for 2 to 8 (MatMulBenchmark by hand, docs/PERFORMANCE.md). Fewer blocks cost less and share
     * fewer threads.
     */
    static final long WORK_PER_BLOCK = 1L << 24;
    /** Output rows per block, at least; and the most blocks a product is cut into. */
    static final int MIN_BLOCK_ROWS = 32, MAX_BLOCKS = 8;
    /**
     * The most blocks an inner dimension is cut into: each costs a partial product and its addition (MEDIUM's weight
     * gradients, caller-thread CPU in a workspace, 2026-12-06, under load: 8 blocks 1.3-2.1x one product, 4 blocks
     * 1.2-1.7x, 2 blocks 1.1-1.4x).
     */
    static final int MAX_INNER_BLOCKS = 4;

    /** The calling thread's precision for {@link #gemm}; float32 unless inside {@link #inPrecision}. */
    private static final ThreadLocal<Precision> PRECISION = ThreadLocal.withInitial(() -> Precision.FLOAT32);

    private MatMul() {
    }

    /** Runs {@code body} with this thread's 2-D products in {@code precision}, then restores the one before. */
    public static <T> T inPrecision(Precision precision, java.util.function.Supplier<T> body) {
        Precision before = PRECISION.get();
        if (precision == Precision.BF16) Bf16Gemm.get();   // fails here, with its reason, where there is no bf16 kernel
        PRECISION.set(precision);
        try {
            return body.get();
        } finally {
            PRECISION.set(before);
        }
    }

    /** {@link #inPrecision(Precision, java.util.function.Supplier)} for a body without a result. */
    public static void inPrecision(Precision precision, Runnable body) {
        inPrecision(precision, () -> {
            body.run();
            return null;
        });
    }

    /** The bf16 kernel when this thread's products are bf16 and these arrays are FLOAT, else null (ND4J's product). */
    private static Bf16Gemm bf16For(INDArray a, INDArray b, INDArray c) {
        if (PRECISION.get() != Precision.BF16 || !CPU) return null;
        DataType f = DataType.FLOAT;
        return a.dataType() == f && b.dataType() == f && c.dataType() == f ? Bf16Gemm.get() : null;
    }

    /** One product: ND4J's, or the bf16 kernel's where {@code bf16} is not null. */
    private static void product(Bf16Gemm bf16, INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
        if (bf16 == null) Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
        else bf16.gemm(a, b, c, transA, transB, (float) alpha, (float) beta);
    }

    /** "blocks" (thread-count independent, the default), "openmp" ({@code -Djclip.matmul=openmp}) or "nd4j" (not CPU). */
    public static String mode() {
        return !CPU ? "nd4j" : OPENMP ? "openmp" : "blocks";
    }

    /** op(a) op(b) as a new [M, N] array (op = transpose where asked). */
    public static INDArray gemm(INDArray a, INDArray b, boolean transA, boolean transB) {
        if (!"blocks".equals(mode()) && PRECISION.get() == Precision.FLOAT32) return Nd4j.gemm(a, b, transA, transB);
        long m = transA ? a.columns() : a.rows(), n = transB ? b.rows() : b.columns();
        INDArray c = Nd4j.create(a.dataType(), new long[]{m, n}, 'c');
        gemm(a, b, c, transA, transB, 1.0, 0.0);
        return c;
    }

    /** c = alpha op(a) op(b) + beta c, in place. */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
        Bf16Gemm bf16 = bf16For(a, b, c);
        if (!"blocks".equals(mode())) {
            product(bf16, a, b, c, transA, transB, alpha, beta);
            return;
        }
        long m = transA ? a.columns() : a.rows(), k = transA ? a.rows() : a.columns(), n = transB ? b.rows() : b.columns();
        if (transA && !transB && CpuKernels.denseRowMajor(a) && CpuKernels.denseRowMajor(b)) {
            sumOverInnerBlocks(bf16, a, b, c, m, n, k, alpha, beta);
            return;
        }
        int[] rows = blocks(m, n, k);
        if (rows.length == 2 || !CpuKernels.denseRowMajor(c)) {
            OpenMpThreads.one(() -> product(bf16, a, b, c, transA, transB, alpha, beta));
            return;
        }
        INDArray ad = CpuKernels.denseRowMajor(a) ? a : a.dup('c');
        int count = rows.length - 1;
        INDArray[] as = new INDArray[count], cs = new INDArray[count];
        for (int i = 0; i < count; i++) {   // views made on the caller's thread, inside its workspace
            long r0 = rows[i], r = rows[i + 1] - rows[i];
            // rows r0.. of op(a): rows of a, or columns of a when it is transposed
            as[i] = transA ? view(ad, ad.offset() + r0, new long[]{k, r}, new long[]{m, 1})
                    : view(ad, ad.offset() + r0 * k, new long[]{r, k}, new long[]{k, 1});
            cs[i] = view(c, c.offset() + r0 * n, new long[]{r, n}, new long[]{n, 1});
        }
        if (bf16 == null) {
            KernelThreads.parallelFor(count, 1, (from, to) -> OpenMpThreads.one(() -> {
                for (int i = from; i < to; i++) Nd4j.gemm(as[i], b, cs[i], transA, transB, alpha, beta);
            }));
            return;
        }
        // b, which every block multiplies, is copied to bf16 once
        Bf16Gemm.Matrix[] shared = new Bf16Gemm.Matrix[1];
        OpenMpThreads.one(() -> shared[0] = bf16.toBf16(b));
        try (Bf16Gemm.Matrix bb = shared[0]) {
            KernelThreads.parallelFor(count, 1, (from, to) -> OpenMpThreads.one(() -> {
                for (int i = from; i < to; i++) {
                    try (Bf16Gemm.Matrix ab = bf16.toBf16(as[i])) {
                        bf16.gemm(ab, bb, cs[i], transA, transB, (float) alpha, (float) beta);
                    }
                }
            }));
        }
    }

    /**
     * c = alpha a^T b + beta c, where a [k, m] and b [k, n] are dense: the weight gradients' shape (dY^T X, k = the
     * batch's rows, usually far larger than m and n). Cutting the output's rows would take strided column blocks of
     * a, which cost 2.8-3.2x the CPU time of one product (MEDIUM's weight gradients, 2026-12-06); here the inner
     * dimension is cut instead, into row blocks of a and b that are contiguous, fixed by the shapes
     * ({@link #blocks}(k, ...)): each block's partial product on one OpenMP thread, then the partials added in block
     * order. The result depends on the partition, never on the thread count.
     */
    private static void sumOverInnerBlocks(Bf16Gemm bf16, INDArray a, INDArray b, INDArray c, long m, long n, long k, double alpha, double beta) {
        int[] bounds = blocks(k, n, m, MAX_INNER_BLOCKS);   // k rows of a and b, each contributing m x n multiply-adds
        if (bounds.length == 2 || !CpuKernels.denseRowMajor(c)) {
            OpenMpThreads.one(() -> product(bf16, a, b, c, true, false, alpha, beta));
            return;
        }
        int count = bounds.length - 1;
        INDArray[] as = new INDArray[count], bs = new INDArray[count], partial = new INDArray[count];
        for (int i = 0; i < count; i++) {   // views made on the caller's thread
            long r0 = bounds[i], r = bounds[i + 1] - bounds[i];
            as[i] = view(a, a.offset() + r0 * m, new long[]{r, m}, new long[]{m, 1});
            bs[i] = view(b, b.offset() + r0 * n, new long[]{r, n}, new long[]{n, 1});
        }
        // The partials live in an arena of their own per thread, reused by every weight gradient: in the caller's
        // scope (the step's) they stayed until the step ended, up to four weight-sized arrays per weight gradient
        // (RN50's attention pool: 150 MB), and allocated one by one outside any scope they cost SMALL's step 20 %.
        try (MemoryWorkspace scratch = Nd4j.getWorkspaceManager().getAndActivateWorkspace(StepWorkspace.CONFIG, PARTIALS_ID)) {
            for (int i = 0; i < count; i++) partial[i] = Nd4j.createUninitialized(c.dataType(), m, n);
            KernelThreads.parallelFor(count, 1, (from, to) -> OpenMpThreads.one(() -> {
                for (int i = from; i < to; i++) product(bf16, as[i], bs[i], partial[i], true, false, 1.0, 0.0);
            }));
            INDArray sum = partial[0];
            for (int i = 1; i < count; i++) sum.addi(partial[i]);   // element-wise: the same bits on any thread count
            if (alpha != 1.0) sum.muli(alpha);
            if (beta == 0.0) c.assign(sum);
            else {
                if (beta != 1.0) c.muli(beta);
                c.addi(sum);
            }
        }
    }

    static final String PARTIALS_ID = "jclip-matmul-partials";

    /**
     * A view of {@code base}'s buffer. Made directly rather than with {@code INDArray.get}: {@code get} on a reshaped
     * slice of a flat parameter buffer gave a rank-0 array (measured, MEDIUM's weight gradients), and it costs more.
     */
    static INDArray view(INDArray base, long offset, long[] shape, long[] stride) {
        return Nd4j.create(base.data(), shape, stride, offset, 'c');
    }

    /**
     * Batched products of rank-3 arrays, [B, M, K] x [B, K, N] (with transposes of the last two axes), as a new
     * [B, M, N] array: blocks of whole batch elements, each on one OpenMP thread.
     */
    public static INDArray matmul(INDArray a, INDArray b, boolean transA, boolean transB) {
        if (!"blocks".equals(mode()) || a.rank() != 3) return Nd4j.matmul(a, b, null, transA, transB, false);
        long batch = a.size(0);
        long m = a.size(transA ? 2 : 1), k = a.size(transA ? 1 : 2), n = b.size(transB ? 1 : 2);
        int[] bounds = blocks(batch, m * n, k);
        if (bounds.length == 2) {
            INDArray[] out = new INDArray[1];
            OpenMpThreads.one(() -> out[0] = Nd4j.matmul(a, b, null, transA, transB, false));
            return out[0];
        }
        INDArray c = Nd4j.create(a.dataType(), new long[]{batch, m, n}, 'c');
        INDArray ad = CpuKernels.denseRowMajor(a) ? a : a.dup('c'), bd = CpuKernels.denseRowMajor(b) ? b : b.dup('c');
        int count = bounds.length - 1;
        INDArray[] as = new INDArray[count], bs = new INDArray[count], cs = new INDArray[count];
        for (int i = 0; i < count; i++) {
            as[i] = batchSlice(ad, bounds[i], bounds[i + 1]);
            bs[i] = batchSlice(bd, bounds[i], bounds[i + 1]);
            cs[i] = batchSlice(c, bounds[i], bounds[i + 1]);
        }
        KernelThreads.parallelFor(count, 1, (from, to) -> OpenMpThreads.one(() -> {
            for (int i = from; i < to; i++) Nd4j.matmul(as[i], bs[i], cs[i], transA, transB, false);
        }));
        return c;
    }

    /** Batch elements (first axis) [from, to) of a dense C-order array of any rank, as a view; {@code x} itself when whole. */
    static INDArray batchSlice(INDArray x, long from, long to) {
        if (from == 0 && to == x.size(0)) return x;
        long[] shape = x.shape().clone(), stride = new long[shape.length];
        shape[0] = to - from;
        long element = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = element;
            if (d > 0) element *= shape[d];
        }
        return view(x, x.offset() + from * element, shape, stride);
    }

    private static boolean openmpRequested() {
        String v = System.getProperty("jclip.matmul", "blocks");
        if (!v.equals("blocks") && !v.equals("openmp")) {
            throw new IllegalArgumentException("system property jclip.matmul must be 'blocks' or 'openmp', got '" + v + "'");
        }
        return v.equals("openmp");
    }

    /**
     * The row boundaries of an [m, n] output with inner dimension k: one block below {@link #WORK_PER_BLOCK}
     * multiply-adds, else one block per {@code WORK_PER_BLOCK} (rounded up), at most {@link #MAX_BLOCKS} and at least
     * {@link #MIN_BLOCK_ROWS} rows each, as equal as integers allow. A function of the shapes only.
     */
    static int[] blocks(long m, long n, long k) {
        return blocks(m, n, k, MAX_BLOCKS);
    }

    /** {@link #blocks(long, long, long)} with at most {@code maxBlocks}. */
    static int[] blocks(long m, long n, long k, int maxBlocks) {
        long work = m * n * k;
        int count = (int) Math.max(1, Math.min(Math.min(maxBlocks, m / MIN_BLOCK_ROWS), (work + WORK_PER_BLOCK - 1) / WORK_PER_BLOCK));
        return split(m, count);
    }

    /** The boundaries of {@code count} blocks of [0, m), as equal as integers allow (also Conv2d's batch blocks). */
    static int[] split(long m, int count) {
        int[] out = new int[count + 1];
        for (int i = 0; i <= count; i++) out[i] = (int) (m * i / count);
        return out;
    }
}
