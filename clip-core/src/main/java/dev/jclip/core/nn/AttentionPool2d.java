package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * CLIP's attention pooling, the head of ModifiedResNet: the H*W feature vectors of a channels-last map [B, H, W, C]
 * are preceded by their mean, a positional embedding [(H*W + 1), C] is added, and one multi-head attention step with
 * the mean token as the only query (separate {@code q_proj}, {@code k_proj}, {@code v_proj}, with biases) gives one
 * vector per image, projected by {@code c_proj} to [B, embed]. Keys and values include the mean token.
 */
public final class AttentionPool2d implements Layer {
    private final Parameter positional; // [T, C], T = side*side + 1
    private final Linear qProj, kProj, vProj, cProj;
    private final int side, channels, heads, tokens;
    private final double scale;
    private int batch;
    private INDArray q, k, v, probs; // [B*heads, 1, hd], [B*heads, T, hd] x2, [B*heads, 1, T]

    public AttentionPool2d(Parameter positional, Linear qProj, Linear kProj, Linear vProj, Linear cProj, int side, int heads) {
        this.positional = positional;
        this.qProj = qProj;
        this.kProj = kProj;
        this.vProj = vProj;
        this.cProj = cProj;
        this.side = side;
        this.channels = (int) positional.value().size(1);
        this.heads = heads;
        this.tokens = side * side + 1;
        if (channels % heads != 0) throw new IllegalArgumentException("attention pool width " + channels + " not divisible by " + heads + " heads");
        if (positional.value().size(0) != tokens) {
            throw new IllegalArgumentException(positional.name() + ": expected " + tokens + " rows, got " + Arrays.toString(positional.value().shape()));
        }
        this.scale = 1.0 / Math.sqrt((double) channels / heads);
    }

    /**
     * Registers {@code prefix.positional_embedding} ~ N(0, C^-1) and the four projections with OpenAI's init: weights
     * ~ N(0, C^-1) (C = in_features of every projection), biases PyTorch's default U(+-C^-0.5).
     */
    public static AttentionPool2d create(ParameterStore store, String prefix, int side, int channels, int heads, int embed) {
        double std = Math.pow(channels, -0.5);
        Parameter pos = store.normal(prefix + ".positional_embedding", std, (long) side * side + 1, channels);
        return new AttentionPool2d(pos, Linear.normal(store, prefix + ".q_proj", channels, channels, std),
                Linear.normal(store, prefix + ".k_proj", channels, channels, std),
                Linear.normal(store, prefix + ".v_proj", channels, channels, std),
                Linear.normal(store, prefix + ".c_proj", channels, embed, std), side, heads);
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 4 || x.size(1) != side || x.size(2) != side || x.size(3) != channels) {
            throw new IllegalArgumentException("attention pool: expected [B, " + side + ", " + side + ", " + channels
                    + "], got " + Arrays.toString(x.shape()));
        }
        batch = (int) x.size(0);
        int hw = side * side;
        INDArray pixels = x.dup('c').reshape(batch, hw, channels);
        INDArray seq = Nd4j.create(x.dataType(), batch, tokens, channels);
        seq.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(pixels.mean(1));
        seq.get(NDArrayIndex.all(), NDArrayIndex.interval(1, tokens), NDArrayIndex.all()).assign(pixels);
        seq.reshape(batch, (long) tokens * channels).addiRowVector(positional.value().reshape(1, (long) tokens * channels));
        INDArray flat = seq.reshape((long) batch * tokens, channels);
        INDArray query = seq.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
        q = splitHeads(qProj.forward(query).muli(scale), 1);
        k = splitHeads(kProj.forward(flat), tokens);
        v = splitHeads(vProj.forward(flat), tokens);
        INDArray scores = MatMul.matmul(q, k, false, true);         // [B*H, 1, T]
        probs = Ops.softmaxRowsInPlace(scores.reshape((long) batch * heads, tokens)).reshape(batch * heads, 1, tokens);
        INDArray context = MatMul.matmul(probs, v, false, false);                         // [B*H, 1, hd]
        return cProj.forward(context.reshape(batch, channels));
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dContext = cProj.backward(dy).reshape(batch * heads, 1, channels / heads);
        INDArray dProbs = MatMul.matmul(dContext, v, false, true);   // [B*H, 1, T]
        INDArray dv = MatMul.matmul(probs, dContext, true, false);   // [B*H, T, hd]
        INDArray p2 = probs.reshape((long) batch * heads, tokens);
        INDArray dp2 = dProbs.reshape((long) batch * heads, tokens);
        INDArray rowDot = dp2.mul(p2).sum(1).reshape((long) batch * heads, 1);
        INDArray dScores = dp2.subColumnVector(rowDot).muli(p2).reshape(batch * heads, 1, tokens);
        INDArray dq = MatMul.matmul(dScores, k, false, false).muli(scale);                // [B*H, 1, hd]
        INDArray dk = MatMul.matmul(dScores, q, true, false);        // [B*H, T, hd]
        INDArray dSeq = kProj.backward(mergeHeads(dk, tokens)).addi(vProj.backward(mergeHeads(dv, tokens)))
                .reshape(batch, tokens, channels);
        INDArray dQuery = qProj.backward(mergeHeads(dq, 1));               // [B, C]
        INDArray dFirst = dSeq.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all());
        dFirst.addi(dQuery);
        if (positional.trainable()) Ops.addColumnSums(dSeq.reshape(batch, (long) tokens * channels), positional.grad());
        // the mean token spreads its gradient evenly over the pixels
        INDArray dx = dSeq.get(NDArrayIndex.all(), NDArrayIndex.interval(1, tokens), NDArrayIndex.all()).dup('c');
        int hw = side * side;
        INDArray meanGrad = dFirst.div(hw);                                // [B, C]
        Nd4j.exec(new BroadcastAddOp(dx, meanGrad, dx, 0, 2));
        return dx.reshape(batch, side, side, channels);
    }

    /** [B*T, C] -> [B*H, T, hd] */
    private INDArray splitHeads(INDArray x, int t) {
        int hd = channels / heads;
        return x.reshape(batch, t, heads, hd).permute(0, 2, 1, 3).dup('c').reshape((long) batch * heads, t, hd);
    }

    /** [B*H, T, hd] -> [B*T, C] */
    private INDArray mergeHeads(INDArray x, int t) {
        int hd = channels / heads;
        return x.reshape(batch, heads, t, hd).permute(0, 2, 1, 3).dup('c').reshape((long) batch * t, channels);
    }
}
