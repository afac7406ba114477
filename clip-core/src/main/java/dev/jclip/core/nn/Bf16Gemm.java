package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ServiceLoader;

/**
 * Matrix products with bfloat16 operands and float32 sums, the kernel of {@link Precision#BF16}. Java 17 cannot call
 * a bf16 kernel (the Vector API has no bf16 dot product; ND4J's bf16 products return bf16), so another module
 * supplies one, found through {@link ServiceLoader}: {@code clip-onednn} calls oneDNN 2.6 ({@code libdnnl.so.2}) through
 * Java 25's FFM API. {@link MatMul} calls it on one OpenMP thread per block, as its float32 products, so that the bits
 * do not depend on the thread count.
 */
public interface Bf16Gemm {
    /**
     * A FLOAT matrix's bf16 copy (to nearest, ties to even), in native memory until closed: made once where several
     * products share an operand (the weight of every row block), and readable from any thread.
     */
    interface Matrix extends AutoCloseable {
        @Override
        void close();
    }

    /** A bf16 copy of {@code x}, a FLOAT array of rank 2 with any strides. Runs on the calling thread. */
    Matrix toBf16(INDArray x);

    /**
     * {@code c = alpha op(a) op(b) + beta c}: the products of the bf16 operands summed in float32, c FLOAT of rank 2 with
     * any strides. Runs on the calling thread.
     */
    void gemm(Matrix a, Matrix b, INDArray c, boolean transA, boolean transB, float alpha, float beta);

    /** {@link #gemm(Matrix, Matrix, INDArray, boolean, boolean, float, float)} of float32 operands, each copied to bf16. */
    default void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, float alpha, float beta) {
        try (Matrix x = toBf16(a); Matrix y = toBf16(b)) {
            gemm(x, y, c, transA, transB, alpha, beta);
        }
    }

    /** What runs the products, for logs and benchmark reports (e.g. "oneDNN 2.6.3, brg:avx512_core_bf16"). */
    String implementation();

    /**
     * The provider on the class path, made once; an {@link IllegalStateException} saying what is missing where there
     * is none or it cannot start (no Java 25, no libdnnl, a CPU without a bf16 kernel).
     */
    static Bf16Gemm get() {
        return Bf16Provider.get();
    }
}
