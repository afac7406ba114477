package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * PyTorch's nn.MultiheadAttention as CLIP uses it: self-attention with one packed {@code in_proj} for q, k, v
 * ({@code attn.in_proj_weight} [3D, D], {@code attn.in_proj_bias} [3D]), {@code attn.out_proj}, and an
 * optional causal mask. Input and output are 2-D [B*T, D] with a sequence length T fixed at construction (or shortened by {@link #tokens}).
 */
public final class MultiheadSelfAttention implements Layer {
    private final Linear inProj;
    private final Linear outProj;
    private final int width;
    private final int heads;
    private final int seqLen;
    private final double scale;
    private final INDArray mask; // [T, T] additive, or null
    private int batch;
    /** Sequence length of the next forward (and its backward): the built one unless patch dropout shortened it. */
    private int tokens;
    private INDArray q, k, v, probs;
    private AttentionKernel fused; // the CPU kernel when the forward used it, else null
    private INDArray packed;       // the forward's [B*T, 3D] projections, for the fused backward

    public MultiheadSelfAttention(Linear inProj, Linear outProj, int width, int heads, int seqLen, boolean causal) {
        if (width % heads != 0) throw new IllegalArgumentException("width " + width + " not divisible by " + heads + " heads");
        this.inProj = inProj;
        this.outProj = outProj;
        this.width = width;
        this.heads = heads;
        this.seqLen = seqLen;
        this.tokens = seqLen;
        this.scale = 1.0 / Math.sqrt(width / heads);
        this.mask = causal ? causalMask(inProj.weight().value().dataType(), seqLen) : null;
    }

    /**
     * Registers {@code prefix.in_proj_weight/bias} and {@code prefix.out_proj.weight/bias}. Standard deviations
     * of 0 select PyTorch's defaults (xavier-uniform in_proj, U(+-1/sqrt(D)) out_proj); biases start at zero.
     */
    public static MultiheadSelfAttention create(ParameterStore store, String prefix, int width, int heads, int seqLen,
                                                boolean causal, double inStd, double outStd) {
        Parameter inW = inStd > 0 ? store.normal(prefix + ".in_proj_weight", inStd, 3L * width, width)
                : store.uniform(prefix + ".in_proj_weight", Math.sqrt(6.0 / (width + 3.0 * width)), 3L * width, width);
        Parameter inB = store.zeros(prefix + ".in_proj_bias", 3L * width);
        Parameter outW = outStd > 0 ? store.normal(prefix + ".out_proj.weight", outStd, width, width)
                : store.uniform(prefix + ".out_proj.weight", 1.0 / Math.sqrt(width), width, width);
        Parameter outB = store.zeros(prefix + ".out_proj.bias", width);
        return new MultiheadSelfAttention(new Linear(inW, inB), new Linear(outW, outB), width, heads, seqLen, causal);
    }

    /**
     * Sets the sequence length of the following forward passes: at most the built one, and only without the
     * causal mask (a ViT whose patch dropout keeps some of its tokens).
     */
    public void tokens(int t) {
        if (t <= 0 || t > seqLen || (mask != null && t != seqLen)) {
            throw new IllegalArgumentException("sequence length " + t + " for attention built for " + seqLen
                    + (mask != null ? " with a causal mask" : ""));
        }
        tokens = t;
    }

    private static INDArray causalMask(org.nd4j.linalg.api.buffer.DataType dtype, int t) {
        INDArray m = Nd4j.zeros(dtype, t, t);
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) m.putScalar(i, j, Double.NEGATIVE_INFINITY);
        }
        return m;
    }

    @Override
    public INDArray forward(INDArray x) {
        batch = (int) (x.rows() / tokens);
        INDArray qkv = inProj.forward(x);
        int hd = width / heads;
        if (CpuKernels.applies(qkv)) {
            fused = new AttentionKernel(batch, tokens, heads, hd, (float) scale, mask != null);
            packed = qkv;
            probs = Nd4j.createUninitialized(qkv.dataType(), (long) batch * heads, tokens, tokens);
            INDArray context = Nd4j.createUninitialized(qkv.dataType(), x.rows(), width);
            fused.forward(qkv, probs, context);
            return outProj.forward(context);
        }
        fused = null;
        q = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, width))).muli(scale);
        k = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(width, 2 * width)));
        v = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * width, 3 * width)));
        INDArray scores = MatMul.matmul(q, k, false, true); // [B*H, T, T]
        if (mask != null) scores.addi(mask.reshape(1, tokens, tokens).broadcast(scores.shape()));
        INDArray flat = scores.reshape(scores.length() / tokens, tokens);
        Ops.softmaxRowsInPlace(flat);
        probs = flat.reshape(batch * heads, tokens, tokens);
        INDArray context = MatMul.matmul(probs, v, false, false); // [B*H, T, hd]
        return outProj.forward(mergeHeads(context));
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dOut = outProj.backward(dy);
        if (fused != null) {
            if (!CpuKernels.applies(dOut)) dOut = dOut.dup('c');
            INDArray dqkv = Nd4j.createUninitialized(dy.dataType(), dy.rows(), 3L * width);
            fused.backward(packed, probs, dOut, dqkv);
            return inProj.backward(dqkv);
        }
        INDArray dContext = splitHeads(dOut);
        INDArray dProbs = MatMul.matmul(dContext, v, false, true);
        INDArray dv = MatMul.matmul(probs, dContext, true, false);
        // softmax backward: dS = P * (dP - rowsum(dP * P))
        INDArray dp2 = dProbs.reshape(dProbs.length() / tokens, tokens);
        INDArray p2 = probs.reshape(dp2.rows(), tokens);
        INDArray rowDot = dp2.mul(p2).sum(1).reshape(dp2.rows(), 1);
        INDArray dScores = dp2.subiColumnVector(rowDot).muli(p2).reshape(batch * heads, tokens, tokens);
        INDArray dq = MatMul.matmul(dScores, k, false, false);
        INDArray dk = MatMul.matmul(dScores, q, true, false);
        dq.muli(scale);
        INDArray dqkv = Nd4j.create(dy.dataType(), dy.rows(), 3L * width);
        dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, width)).assign(mergeHeads(dq));
        dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(width, 2 * width)).assign(mergeHeads(dk));
        dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * width, 3 * width)).assign(mergeHeads(dv));
        return inProj.backward(dqkv);
    }

    /** [B*T, D] -> [B*H, T, hd] */
    private INDArray splitHeads(INDArray x) {
        int hd = width / heads;
        return x.dup('c').reshape(batch, tokens, heads, hd).permute(0, 2, 1, 3).dup('c').reshape(batch * heads, tokens, hd);
    }

    /** [B*H, T, hd] -> [B*T, D] */
    private INDArray mergeHeads(INDArray x) {
        int hd = width / heads;
        return x.reshape(batch, heads, tokens, hd).permute(0, 2, 1, 3).dup('c').reshape((long) batch * tokens, width);
    }
}
