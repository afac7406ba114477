package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CLIP's pre-LN Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) with
 * mlp = c_proj(act(c_fc(.))). Parameter names follow {@code resblocks.N.{ln_1, attn, ln_2, mlp.c_fc, mlp.c_proj}}.
 * It holds no state of its own (its sublayers keep their caches), hence a record of its sublayers.
 */
public record ResidualAttentionBlock(LayerNorm ln1, MultiheadSelfAttention attn, LayerNorm ln2, Linear fc, Layer act, Linear proj)
        implements Layer {
    @Override
    public INDArray forward(INDArray x) {
        INDArray h = x.add(attn.forward(ln1.forward(x)));
        return h.addi(proj.forward(act.forward(fc.forward(ln2.forward(h)))));
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dh = ln2.backward(fc.backward(act.backward(proj.backward(dy)))).addi(dy);
        return ln1.backward(attn.backward(dh)).addi(dh);
    }
}
