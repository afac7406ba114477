package dev.jclip.core.model;

import dev.jclip.core.nn.Linear;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CLIP paper's bag-of-words baseline (Figure 2): a linear map from the image embedding to vocabulary logits
 * ({@code bow_head.weight} [V, E], {@code bow_head.bias} [V]), trained with softmax cross-entropy against the
 * caption's normalised token bag (each word token's count over the caption's word count; start, end and padding
 * left out). A prompt's zero-shot score is the mean over its word tokens of the bag's log-probability of each.
 */
public final class BagOfWordsHead implements CaptionHead {
    private final Linear linear;
    private final int vocab;

    public BagOfWordsHead(ParameterStore store, int embedDim, int vocab) {
        this.vocab = vocab;
        this.linear = Linear.normal(store, "bow_head", embedDim, vocab, Math.pow(embedDim, -0.5));
    }

    @Override
    public Result lossAndBackward(INDArray imageFeatures, INDArray tokens) {
        if (tokens.rows() != imageFeatures.rows()) {
            throw new IllegalArgumentException("images and captions differ in batch: " + imageFeatures.rows() + " vs " + tokens.rows());
        }
        INDArray logits = linear.forward(imageFeatures);                                  // [B, V]
        INDArray bags = bags(tokens, vocab, logits.dataType());
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(logits, bags, imageFeatures.rows());
        return new Result(r.loss(), linear.backward(r.gradLogits()));
    }

    @Override
    public INDArray scores(INDArray imageFeatures, INDArray prompts) {
        INDArray logp = SoftmaxCrossEntropy.logSoftmax(MatMul.gemm(imageFeatures, linear.weight().value(), false, true)
                .addiRowVector(linear.bias().value()));                                  // [B, V]
        return MatMul.gemm(logp, bags(prompts, vocab, logp.dataType()), false, true);  // [B, C]
    }

    /**
     * Each caption's normalised token bag [B, V]: row b holds count(v) / n over the n word tokens (strictly
     * between the start token and the first end token); a caption without words gets an all-zero row.
     */
    public static INDArray bags(INDArray tokens, int vocab, DataType dtype) {
        int b = (int) tokens.rows(), t = (int) tokens.columns();
        long[] ids = tokens.dup('c').reshape(-1).toLongVector();
        double[] bag = new double[b * vocab];
        for (int r = 0; r < b; r++) {
            int end = CaptionHead.endPosition(ids, r * t, t, vocab - 1);
            int n = 0;
            for (int i = 1; i < end; i++) {
                long id = ids[r * t + i];
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
                if (id >= vocab - 2) continue;
                bag[r * vocab + (int) id] += 1;
                n++;
            }
            for (int v = 0; n > 0 && v < vocab; v++) bag[r * vocab + v] /= n;
        }
        return Nd4j.create(bag, new long[]{b, vocab}, 'c').castTo(dtype);
    }
}
