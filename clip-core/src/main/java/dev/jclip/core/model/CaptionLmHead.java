package dev.jclip.core.model;

import dev.jclip.core.nn.Linear;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.Ops;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP paper's caption language model baseline (Figure 2), here the model's own causal text transformer
 * conditioned on the image: the image embedding, projected to the text width ({@code caption_head.image_proj},
 * [D, E] and [D]), is added to the start token's input, and each position t predicts token t + 1 with logits
 * through the token embedding (tied output: {@code h W_emb^T}). The loss is the mean next-token cross-entropy over
 * every caption's predicted tokens, from the first word up to and including the end token. A prompt's zero-shot
 * score is the sum of those log-probabilities given the image.
 */
public final class CaptionLmHead implements CaptionHead {
    private final TextTransformer text;
    private final Linear imageProj;
    private final int vocab;

    public CaptionLmHead(ParameterStore store, TextTransformer text, int embedDim, int vocab) {
        this.text = text;
        this.vocab = vocab;
        this.imageProj = Linear.normal(store, "caption_head.image_proj", embedDim, text.width(), Math.pow(embedDim, -0.5));
    }

    @Override
    public Result lossAndBackward(INDArray imageFeatures, INDArray tokens) {
        if (tokens.rows() != imageFeatures.rows()) {
            throw new IllegalArgumentException("images and captions differ in batch: " + imageFeatures.rows() + " vs " + tokens.rows());
        }
        Parameter emb = text.tokenEmbedding();
        INDArray h = text.hidden(tokens, imageProj.forward(imageFeatures));   // [B*T, D]
        Targets tg = targets(tokens);
        INDArray hs = Nd4j.pullRows(h, 1, tg.rows);                             // [N, D]
        INDArray logits = MatMul.gemm(hs, emb.value(), false, true);            // [N, V]
        INDArray oneHot = Nd4j.zeros(logits.dataType(), tg.rows.length, vocab);
        for (int i = 0; i < tg.rows.length; i++) oneHot.putScalar(i, tg.next[i], 1.0);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(logits, oneHot, tg.rows.length);
        if (emb.trainable()) Ops.gemmAccumulate(r.gradLogits(), hs, emb.grad(), true, false);
        INDArray dHs = MatMul.gemm(r.gradLogits(), emb.value(), false, false);  // [N, D]
        INDArray dh = Nd4j.zeros(h.dataType(), h.rows(), h.columns());
        // the predicted rows are distinct, so adding into zeros places them
        Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("scatter_add")
                .addInputs(dh, Nd4j.createFromArray(tg.rows), dHs).addOutputs(dh).build());
        return new Result(r.loss(), imageProj.backward(text.backwardHidden(dh)));
    }

    @Override
    public INDArray scores(INDArray imageFeatures, INDArray prompts) {
        int images = (int) imageFeatures.rows(), c = (int) prompts.rows(), ctx = (int) prompts.columns();
        INDArray prefixes = MatMul.gemm(imageFeatures, imageProj.weight().value(), false, true).addiRowVector(imageProj.bias().value());
        Targets tg = targets(prompts);
        INDArray out = Nd4j.create(imageFeatures.dataType(), images, c);
        for (int i = 0; i < images; i++) {
            // every prompt after image i: one batch of C sequences sharing the image's prefix
            INDArray prefix = Nd4j.zeros(prefixes.dataType(), c, prefixes.columns()).addiRowVector(prefixes.getRow(i));
            INDArray h = text.hidden(prompts, prefix);
            INDArray logp = SoftmaxCrossEntropy.logSoftmax(MatMul.gemm(Nd4j.pullRows(h, 1, tg.rows), text.tokenEmbedding().value(), false, true));
            double[] sum = new double[c];
            for (int k = 0; k < tg.rows.length; k++) sum[tg.rows[k] / ctx] += logp.getDouble(k, tg.next[k]);
            out.putRow(i, Nd4j.createFromArray(sum).castTo(out.dataType()));
        }
        return out;
    }

    /** The rows of {@link TextTransformer#hidden} that predict a token, and the token each predicts. */
    private record Targets(int[] rows, int[] next) {
    }

    /** Position t of each caption predicts token t + 1, for t from the start token up to the one before the end token. */
    private Targets targets(INDArray tokens) {
        int b = (int) tokens.rows(), t = (int) tokens.columns();
        long[] ids = tokens.dup('c').reshape(-1).toLongVector();
        List<int[]> pairs = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            int end = CaptionHead.endPosition(ids, r * t, t, vocab - 1);
            for (int p = 0; p < end; p++) pairs.add(new int[]{r * t + p, (int) ids[r * t + p + 1]});
        }
        int[] rows = new int[pairs.size()], next = new int[pairs.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = pairs.get(i)[0];
            next[i] = pairs.get(i)[1];
        }
        return new Targets(rows, next);
    }
}
