package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small tensor helpers shared by the layers. Column sums go through gemm with a ones vector: ND4J's
 * {@code sum(0)} on a tall matrix is far slower and does not scale with threads (see DESIGN.md).
 */
public final class Ops {
    private Ops() {
    }

    private static final java.util.Map<String, INDArray> ONES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A row vector of ones, [1, n], cached per type and length (created outside any workspace, never written): the
     * bias-gradient GEMMs need one per activation height every step.
     */
    public static INDArray ones(DataType dtype, long n) {
        return ONES.computeIfAbsent(dtype + ":" + n, k -> {
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.ones(dtype, 1, n);
            }
        });
    }

    /** {@code acc += ones^T x}: adds the column sums of x [N, D] into acc (any shape of D elements). */
    public static void addColumnSums(INDArray x, INDArray acc) {
        if (x.rank() == 2 && CpuKernels.applies(x, acc)) {
            CpuKernels.addColumnSums(x, acc);   // a Java pass: the 1-row GEMM scaled badly to two threads
            return;
        }
        INDArray ones = ones(x.dataType(), x.rows());
        INDArray target = acc.reshape(1, x.columns());
        MatMul.inPrecision(Precision.FLOAT32, () -> MatMul.gemm(ones, x, target, false, false, 1.0, 1.0));
        if (target != acc && !sharesBuffer(target, acc)) acc.assign(target.reshape(acc.shape()));
    }

    /**
     * The sum of squares of all elements, the same at any thread count: a fixed partition in the fused kernels;
     * otherwise (CUDA, double, {@code -Djclip.kernels=nd4j}) ND4J's {@code norm2}.
     */
    public static double sumOfSquares(INDArray x) {
        if (CpuKernels.applies(x)) return CpuKernels.sumOfSquares(x);
        double n = x.norm2Number().doubleValue();
        return n * n;
    }

    /** Column sums of x [N, D] as a new [1, D] array (float32 in any precision: bf16 would round every term). */
    public static INDArray columnSums(INDArray x) {
        return MatMul.inPrecision(Precision.FLOAT32, () -> MatMul.gemm(ones(x.dataType(), x.rows()), x, false, false));
    }

    /** Row sums of x [N, D] as a new [N, 1] column (float32 in any precision). */
    public static INDArray rowSums(INDArray x) {
        return MatMul.inPrecision(Precision.FLOAT32, () -> MatMul.gemm(x, ones(x.dataType(), x.columns()), false, true));
    }

    /** {@code acc += a^T b} (or other transposes) without a transposed copy. */
    public static void gemmAccumulate(INDArray a, INDArray b, INDArray acc, boolean transA, boolean transB) {
        MatMul.gemm(a, b, acc, transA, transB, 1.0, 1.0);
    }

    /** Row-wise softmax of a 2-D array, in place. */
    public static INDArray softmaxRowsInPlace(INDArray x) {
        x.subiColumnVector(x.max(1).reshape(x.rows(), 1));
        org.nd4j.linalg.ops.transforms.Transforms.exp(x, false);
        x.diviColumnVector(x.sum(1).reshape(x.rows(), 1));
        return x;
    }

    /** The given rows of a 2-D array, in the given order, as a new c-order [n, columns] array (one native op). */
    public static INDArray gatherRows(INDArray x, INDArray rows) {
        return Nd4j.pullRows(x, 1, rows.toIntVector(), 'c');
    }

    /**
     * {@code table[indices[i]] += updates[i]} for rows (scatter-add; duplicates accumulate), deterministically.
     * ND4J's float {@code scatter_add} adds duplicate rows in a varying order, so repeated runs differ in the last
     * bit and training cannot be reproduced bit for bit. Instead the rows of each distinct index are first summed
     * by {@code unsorted_segment_sum} (a fixed order), then added with one scatter per distinct row.
     */
    public static void scatterAddRows(INDArray table, INDArray indices, INDArray updates) {
        long[] ids = indices.toLongVector();
        if (CpuKernels.applies(table, updates)) {
            CpuKernels.addRows(table, ids, updates);
            return;
        }
        java.util.Map<Long, Integer> compact = new java.util.LinkedHashMap<>();
        int[] segment = new int[ids.length];
        for (int i = 0; i < ids.length; i++) segment[i] = compact.computeIfAbsent(ids[i], k -> compact.size());
        long[] distinct = new long[compact.size()];
        compact.forEach((id, seg) -> distinct[seg] = id);
        INDArray sums = Nd4j.exec(DynamicCustomOp.builder("unsorted_segment_sum")
                .addInputs(updates, Nd4j.createFromArray(segment))
                .addIntegerArguments(distinct.length)
                .build())[0];
        Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                .addInputs(table, Nd4j.createFromArray(distinct), sums)
                .addOutputs(table)
                .build());
    }

    private static boolean sharesBuffer(INDArray a, INDArray b) {
        return a.data() == b.data() || a.data().originalDataBuffer() == b.data().originalDataBuffer();
    }
}
