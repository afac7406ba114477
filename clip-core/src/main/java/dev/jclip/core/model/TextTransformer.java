package dev.jclip.core.model;

import dev.jclip.core.nn.MatMul;
import dev.jclip.core.config.TextConfig;
import dev.jclip.core.nn.LayerNorm;
import dev.jclip.core.nn.Ops;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.core.nn.Transformer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * CLIP's text encoder: token + positional embedding, a causal Transformer, {@code ln_final}, the feature at the
 * end-of-text token (the largest id in each row, found by argmax as OpenAI does) and {@code text_projection}.
 */
public final class TextTransformer {
    private final Parameter tokenEmbedding;   // [V, D]
    private final Parameter positional;       // [T, D]
    private final Transformer transformer;
    private final LayerNorm lnFinal;
    private final Parameter projection;       // [D, E]
    private final int contextLength;
    private final int width;
    private INDArray tokenIndex;   // [B*T] for the embedding backward
    private long[] ids;            // the last forward pass's token ids, [B*T]
    private int[] pooledRows;      // row of each sequence's end token in the [B*T, D] activations
    private INDArray pooled;       // [B, D]

    public TextTransformer(ParameterStore store, TextConfig cfg, int embedDim, boolean quickGelu) {
        this.contextLength = cfg.contextLength();
        this.width = cfg.width();
        tokenEmbedding = store.normal("token_embedding.weight", 0.02, cfg.vocabSize(), width);
        positional = store.normal("positional_embedding", 0.01, contextLength, width);
        transformer = Transformer.create(store, "transformer", width, cfg.layers(), cfg.heads(), contextLength, true,
                cfg.mlpRatio(), quickGelu, Transformer.Init.openAiText(width, cfg.layers()));
        lnFinal = LayerNorm.create(store, "ln_final", width);
        projection = store.normal("text_projection", Math.pow(width, -0.5), width, embedDim);
    }

    /** tokens [B, T] (any integer type) to features [B, E]. */
    public INDArray forward(INDArray tokens) {
        INDArray x = hidden(tokens, null);
        int batch = (int) tokens.rows();
        pooledRows = new int[batch];
        for (int b = 0; b < batch; b++) pooledRows[b] = b * contextLength + argmax(ids, b * contextLength, contextLength);
        pooled = Nd4j.pullRows(x, 1, pooledRows);
        return MatMul.gemm(pooled, projection.value(), false, false);
    }

    /**
     * Every position's state after {@code ln_final}, [B*T, D] (row b*T + t is sequence b's position t), without
     * pooling or projection: what a caption language model reads its next-token logits from. {@code prefix}
     * [B, D], when given, is added to each sequence's first position (after the embeddings), which is how
     * {@link CaptionLmHead} conditions the text on an image. Backpropagate with {@link #backwardHidden}.
     */
    public INDArray hidden(INDArray tokens, INDArray prefix) {
        if (tokens.rank() != 2 || tokens.columns() != contextLength) {
            throw new IllegalArgumentException("tokens must be [batch, " + contextLength + "], got "
                    + java.util.Arrays.toString(tokens.shape()));
        }
        int batch = (int) tokens.rows();
        ids = tokens.dup('c').reshape(-1).toLongVector();
        long vocab = tokenEmbedding.value().rows();
        int[] idx = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at row " + (i / contextLength)
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
            idx[i] = (int) ids[i];
        }
        tokenIndex = Nd4j.createFromArray(idx);
        INDArray x = Nd4j.pullRows(tokenEmbedding.value(), 1, idx); // [B*T, D]
        INDArray flat = x.reshape(batch, (long) contextLength * width);
        flat.addiRowVector(positional.value().reshape(1, (long) contextLength * width));
        if (prefix != null) {
            if (prefix.rows() != batch || prefix.columns() != width) {
                throw new IllegalArgumentException("prefix must be [" + batch + ", " + width + "], got " + java.util.Arrays.toString(prefix.shape()));
            }
            flat.get(NDArrayIndex.all(), NDArrayIndex.interval(0, width)).addi(prefix);
        }
        return lnFinal.forward(transformer.forward(x));
    }

    /** Backpropagates {@code dx} = d loss / d {@link #hidden}'s output [B*T, D]; returns d loss / d prefix [B, D]. */
    public INDArray backwardHidden(INDArray dx) {
        INDArray flat = backwardStates(dx);
        return flat.get(NDArrayIndex.all(), NDArrayIndex.interval(0, width)).dup('c');
    }

    /** Back through ln_final, the blocks and the embeddings; returns the embeddings' gradient as [B, T*D]. */
    private INDArray backwardStates(INDArray dx) {
        int batch = (int) (dx.rows() / contextLength);
        dx = transformer.backward(lnFinal.backward(dx));
        INDArray flat = dx.reshape(batch, (long) contextLength * width);
        if (positional.trainable()) Ops.addColumnSums(flat, positional.grad());
        if (tokenEmbedding.trainable()) Ops.scatterAddRows(tokenEmbedding.grad(), tokenIndex, dx);
        return flat;
    }

    /** Backpropagates d loss / d features [B, E]. */
    public void backward(INDArray dFeatures) {
        int batch = pooledRows.length;
        if (projection.trainable()) Ops.gemmAccumulate(pooled, dFeatures, projection.grad(), true, false);
        INDArray dPooled = MatMul.gemm(dFeatures, projection.value(), false, true);
        INDArray dx = Nd4j.zeros(dFeatures.dataType(), (long) batch * contextLength, width);
        // one scatter instead of a row copy per sequence (rows are distinct, so adding into zeros is placing)
        Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("scatter_add")
                .addInputs(dx, Nd4j.createFromArray(pooledRows), dPooled).addOutputs(dx).build());
        backwardStates(dx);
    }

    /** {@code token_embedding.weight} [V, D]: the caption language model's output layer is tied to it. */
    public Parameter tokenEmbedding() {
        return tokenEmbedding;
    }

    /** The transformer's width D. */
    public int width() {
        return width;
    }

    private static int argmax(long[] ids, int from, int len) {
        int best = 0;
        for (int i = 1; i < len; i++) if (ids[from + i] > ids[from + best]) best = i;
        return best;
    }

    /** Activation checkpointing of the text transformer's blocks ({@link Transformer#setCheckpointing}). */
    public void setGradCheckpointing(boolean enable) {
        transformer.setCheckpointing(enable);
    }

    public int contextLength() {
        return contextLength;
    }
}
