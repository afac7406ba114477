package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/** A stack of {@link ResidualAttentionBlock}s named {@code prefix.resblocks.N}. */
public final class Transformer implements Layer {
    private final List<ResidualAttentionBlock> blocks;
    /** Blocks of an inference model run in a reused scratch arena: nothing they cache is ever read back. */
    private final boolean inference;
    /** Activation checkpointing: keep each block's input only, recompute the block in backward. */
    private boolean checkpointing;
    /** The name of the scopes that hold each block's activations from its forward to its backward. */
    private final String keptScopes = StepWorkspace.keptScopes();
    private final List<INDArray> blockInputs = new ArrayList<>();

    public Transformer(List<ResidualAttentionBlock> blocks) {
        this(blocks, false);
    }

    private Transformer(List<ResidualAttentionBlock> blocks, boolean inference) {
        this.blocks = List.copyOf(blocks);
        this.inference = inference;
    }

    /** How each weight group is initialised; 0 standard deviations mean PyTorch's module defaults. */
    public record Init(double attnInStd, double attnOutStd, double fcStd, double projStd) {
        /** PyTorch module defaults (OpenAI leaves the vision transformer's blocks at these). */
        public static final Init TORCH_DEFAULT = new Init(0, 0, 0, 0);

        /** OpenAI's explicit init for the text transformer. */
        public static Init openAiText(int width, int layers) {
            double projStd = Math.pow(width, -0.5) * Math.pow(2.0 * layers, -0.5);
            return new Init(Math.pow(width, -0.5), projStd, Math.pow(2.0 * width, -0.5), projStd);
        }
    }

    public static Transformer create(ParameterStore store, String prefix, int width, int layers, int heads, int seqLen,
                                     boolean causal, double mlpRatio, boolean quickGelu, Init init) {
        int hidden = (int) Math.round(width * mlpRatio);
        List<ResidualAttentionBlock> blocks = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String p = prefix + ".resblocks." + i;
            LayerNorm ln1 = LayerNorm.create(store, p + ".ln_1", width);
            MultiheadSelfAttention attn = MultiheadSelfAttention.create(store, p + ".attn", width, heads, seqLen, causal,
                    init.attnInStd(), init.attnOutStd());
            LayerNorm ln2 = LayerNorm.create(store, p + ".ln_2", width);
            Linear fc = linear(store, p + ".mlp.c_fc", width, hidden, init.fcStd());
            Linear proj = linear(store, p + ".mlp.c_proj", hidden, width, init.projStd());
            blocks.add(new ResidualAttentionBlock(ln1, attn, ln2, fc, quickGelu ? new QuickGelu() : new Gelu(), proj));
        }
        return new Transformer(blocks, store.isInference());
    }

    private static Linear linear(ParameterStore store, String prefix, int in, int out, double std) {
        return std <= 0 ? Linear.create(store, prefix, in, out) : Linear.normal(store, prefix, in, out, std);
    }

    /**
     * Activation checkpointing (open_clip's {@code --grad-checkpointing}): forward keeps only each block's input
     * and runs the block in the scratch arena, backward runs the block's forward again right before its backward.
     * The kernels' results depend on their inputs only, so the recomputed activations, and the gradients, are the
     * plain path's bit for bit; the price is a second forward pass of every block.
     */
    public void setCheckpointing(boolean checkpointing) {
        this.checkpointing = checkpointing;
    }

    public boolean checkpointing() {
        return checkpointing;
    }

    @Override
    public INDArray forward(INDArray x) {
        return forward(x, null);
    }

    /**
     * The output [B * T, D] of every block of a forward pass on {@code x}, first block first (the last is what
     * {@link #forward} returns): for probing each layer's representation. Evaluation only: the caches for backward
     * are those of the last block's pass, as after {@link #forward}.
     */
    public List<INDArray> blockOutputs(INDArray x) {
        List<INDArray> outputs = new ArrayList<>(blocks.size());
        forward(x, outputs);
        return outputs;
    }

    private INDArray forward(INDArray x, List<INDArray> outputs) {
        blockInputs.clear();
        for (int i = 0; i < blocks.size(); i++) {
            ResidualAttentionBlock b = blocks.get(i);
            INDArray in = x;
            if (checkpointing && !inference) blockInputs.add(in);
            // a trainable model keeps every block's activations for backward, each block's until its backward has
            // run; an inference model (which has no backward) drops them with the block: ViT-B/32 on 64 images
            // peaked at 5.8 GB before, see docs/API.md. With checkpointing, a trainable one drops them too and
            // recomputes them in backward. Block outputs asked for (blockOutputs) stay in the caller's scope.
            if (inference || checkpointing) x = StepWorkspace.forwardInScratch(() -> b.forward(in));
            else x = outputs == null ? StepWorkspace.forwardKept(keptScopes, i, () -> b.forward(in)) : b.forward(in);
            if (outputs != null) outputs.add(x);
        }
        return x;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (checkpointing && blockInputs.size() != blocks.size()) {
            throw new IllegalStateException("checkpointed backward without its forward (checkpointing was switched on in between?)");
        }
        for (int i = blocks.size() - 1; i >= 0; i--) {
            ResidualAttentionBlock block = blocks.get(i);
            INDArray d = dy;
            if (checkpointing) {
                INDArray in = blockInputs.get(i);
                dy = StepWorkspace.backwardInScratch(() -> {
                    block.forward(in);   // the activations again, into this block's scratch
                    return block.backward(d);
                });
            } else {
                // between blocks the gradient lives outside the step's scope, freed once read; the first block's
                // goes to the caller's scope, the last block's came from it
                dy = i > 0 ? StepWorkspace.backwardInScratchDetached(() -> block.backward(d))
                        : StepWorkspace.backwardInScratch(() -> block.backward(d));
                if (i < blocks.size() - 1) StepWorkspace.free(d);
                StepWorkspace.freeForward(keptScopes, i);
            }
        }
        blockInputs.clear();
        return dy;
    }

    /** Sequence length of the following passes (a ViT's kept tokens under patch dropout); see {@link MultiheadSelfAttention#tokens}. */
    public void tokens(int t) {
        for (ResidualAttentionBlock b : blocks) b.attn().tokens(t);
    }

    public int depth() {
        return blocks.size();
    }
}
