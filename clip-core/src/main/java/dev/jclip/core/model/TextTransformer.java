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
        if (tokens.rank() != 2 || tokens.columns() != contextLength) {
            throw new IllegalArgumentException("tokens must be [batch, " + contextLength + "], got "
                    + java.util.Arrays.toString(tokens.shape()));
        }
        int batch = (int) tokens.rows();
        long[] ids = tokens.dup('c').reshape(-1).toLongVector();
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
        x.reshape(batch, (long) contextLength * width).addiRowVector(positional.value().reshape(1, (long) contextLength * width));
        x = lnFinal.forward(transformer.forward(x));
        pooledRows = new int[batch];
        for (int b = 0; b < batch; b++) pooledRows[b] = b * contextLength + argmax(ids, b * contextLength, contextLength);
        pooled = Nd4j.pullRows(x, 1, pooledRows);
        return MatMul.gemm(pooled, projection.value(), false, false);
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
        dx = transformer.backward(lnFinal.backward(dx));
        if (positional.trainable()) Ops.addColumnSums(dx.reshape(batch, (long) contextLength * width), positional.grad());
        if (tokenEmbedding.trainable()) Ops.scatterAddRows(tokenEmbedding.grad(), tokenIndex, dx);
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
