package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused CPU attention core on its own, without the projections around it: forward takes the packed q|k|v
 * [B*T, 3D] (as {@link MultiheadSelfAttention}'s in-projection writes it) and returns the context [B*T, D];
 * backward takes the context gradient and returns the packed gradient. It is what {@link MultiheadSelfAttention}
 * runs between its projections on the CPU, here for timing that part apart ({@code clip bench train}'s blocks).
 * Only where the fused kernels apply ({@link #applies}): CPU backend, float32.
 */
public final class AttentionCore implements Layer {
    private final AttentionKernel kernel;
    private final int rows, width, heads, tokens;
    private INDArray qkv, probs;

    public AttentionCore(int batch, int tokens, int width, int heads, boolean causal) {
        if (width % heads != 0) throw new IllegalArgumentException("width " + width + " not divisible by " + heads + " heads");
        this.kernel = new AttentionKernel(batch, tokens, heads, width / heads, (float) (1.0 / Math.sqrt(width / heads)), causal);
        this.rows = batch * tokens;
        this.width = width;
        this.heads = heads;
        this.tokens = tokens;
    }

    /** Whether the fused kernel runs for arrays like {@code example} (else there is no separate core to time). */
    public static boolean applies(INDArray example) {
        return CpuKernels.applies(example);
    }

    @Override
    public INDArray forward(INDArray packed) {
        check(packed, 3L * width);
        qkv = packed;
        probs = Nd4j.createUninitialized(packed.dataType(), (long) rows / tokens * heads, tokens, tokens);
        INDArray context = Nd4j.createUninitialized(packed.dataType(), rows, width);
        kernel.forward(packed, probs, context);
        return context;
    }

    @Override
    public INDArray backward(INDArray dContext) {
        check(dContext, width);
        INDArray dQkv = Nd4j.createUninitialized(dContext.dataType(), rows, 3L * width);
        kernel.backward(qkv, probs, dContext, dQkv);
        return dQkv;
    }

    private void check(INDArray x, long columns) {
        if (x.rank() != 2 || x.rows() != rows || x.columns() != columns || !CpuKernels.applies(x)) {
            throw new IllegalArgumentException("attention core: expected a dense float [" + rows + ", " + columns + "], got "
                    + java.util.Arrays.toString(x.shape()) + " " + x.dataType());
        }
    }
}
