package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
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
        return Loaded.INSTANCE.get();
    }

    /** Loads the provider on first use and keeps it, or the reason there is none. */
    final class Loaded {
        private static final Loaded INSTANCE = new Loaded();
        private Bf16Gemm gemm;
        private String problem;

        private Loaded() {
        }

        private synchronized Bf16Gemm get() {
            if (gemm == null && problem == null) load();
            if (gemm == null) throw new IllegalStateException(problem);
            return gemm;
        }

        private void load() {
            List<String> problems = new ArrayList<>();
            var it = ServiceLoader.load(Bf16Gemm.class, Bf16Gemm.class.getClassLoader()).iterator();
            while (gemm == null) {
                try {
                    if (!it.hasNext()) break;
                    gemm = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    Throwable root = e;
                    while (root.getCause() != null) root = root.getCause();
                    problems.add(root instanceof UnsupportedClassVersionError
                            ? "clip-onednn needs Java 25 (this is Java " + Runtime.version().feature() + ")" : root.getMessage());
                }
            }
            if (gemm == null) {
                problem = "precision bf16 needs a bf16 matrix product: " + (problems.isEmpty()
                        ? "none on the class path (add dev.jclip:clip-onednn, Java 25; the clip launcher has it when it runs on Java 25)"
                        : String.join("; ", problems));
            }
        }
    }
}
