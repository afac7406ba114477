package dev.jclip.core.model;

import dev.jclip.core.nn.MatMul;
import dev.jclip.core.config.VisionConfig;
import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.LayerNorm;
import dev.jclip.core.nn.Ops;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.core.nn.Transformer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * CLIP's ViT image encoder: a bias-free patch convolution {@code visual.conv1} (computed as a matrix product over
 * non-overlapping patches), the class token, positional embedding, {@code ln_pre}, the Transformer, {@code ln_post}
 * on the class token and the projection {@code visual.proj}. With {@code patch_dropout} p (FLIP) a random
 * fraction p of each image's patch tokens is dropped after the positional embedding in training mode (the class
 * token always stays), none in evaluation mode.
 */
public final class VisionTransformer implements ImageTower {
    private final Parameter conv1;        // [D, 3, p, p]
    private final Parameter classEmbedding;
    private final Parameter positional;   // [1 + g*g, D]
    private final LayerNorm lnPre;
    private final Transformer transformer;
    private final LayerNorm lnPost;
    private final Parameter proj;         // [D, E]
    private final int width, patch, grid, imageSize, seqLen;
    /** Fraction of patch tokens dropped per image in training (FLIP; open_clip's {@code patch_dropout}). */
    private final double patchDropout;
    private boolean training = true;
    private long dropoutSeed;
    private int firstRow;
    private INDArray patches;   // [B*g*g, 3*p*p]
    private INDArray pooled;    // [B, D] after ln_post
    private int batch;
    private int tokens;         // sequence length of the last forward: seqLen, or 1 + kept patches
    private INDArray keptRows;  // rows of the full [B*seqLen, D] sequence the last forward kept, or null

    public VisionTransformer(ParameterStore store, VisionConfig cfg, int embedDim, boolean quickGelu) {
        width = cfg.width();
        patch = cfg.patchSize();
        imageSize = cfg.imageSize();
        grid = cfg.gridSize();
        seqLen = grid * grid + 1;
        double scale = Math.pow(width, -0.5);
        conv1 = store.uniform("visual.conv1.weight", 1.0 / Math.sqrt(3.0 * patch * patch), width, 3, patch, patch);
        classEmbedding = store.normal("visual.class_embedding", scale, width);
        positional = store.normal("visual.positional_embedding", scale, seqLen, width);
        lnPre = LayerNorm.create(store, "visual.ln_pre", width);
        transformer = Transformer.create(store, "visual.transformer", width, cfg.depth(), cfg.resolvedHeads(), seqLen,
                false, cfg.mlpRatio(), quickGelu, Transformer.Init.TORCH_DEFAULT);
        lnPost = LayerNorm.create(store, "visual.ln_post", width);
        proj = store.normal("visual.proj", scale, width, embedDim);
        patchDropout = cfg.patchDropout();
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    /**
     * Seeds the patch-dropout choice of the following forward passes: image i of the batch keeps the patches drawn
     * from (seed, firstRow + i), so the recompute pass of feature-cached accumulation sees the tokens the embedding
     * pass saw, and a micro-batch of rows [r, r + m) of a global batch drops what the whole batch would.
     */
    @Override
    public void seedRandomness(long seed, int firstRow) {
        dropoutSeed = seed;
        this.firstRow = firstRow;
    }

    /** Activation checkpointing of the transformer's blocks ({@link Transformer#setCheckpointing}). */
    @Override
    public void setGradCheckpointing(boolean enable) {
        transformer.setCheckpointing(enable);
    }

    /** Patches kept per image under patch dropout: open_clip's max(1, int(n (1 - p))). */
    public int keptPatches() {
        int n = grid * grid;
        return training && patchDropout > 0 ? Math.max(1, (int) (n * (1 - patchDropout))) : n;
    }

    /**
     * The rows of the [B * seqLen, D] token sequence that patch dropout keeps: per image its class token, then
     * {@link #keptPatches()} patches drawn without replacement (partial Fisher-Yates from the seed and the image's
     * row, {@link #seedRandomness}), in their original order; null when nothing is dropped.
     */
    private INDArray keptRows() {
        int n = grid * grid, keep = keptPatches();
        if (keep == n) return null;
        long[] rows = new long[batch * (keep + 1)];
        int[] order = new int[n];
        int r = 0;
        for (int b = 0; b < batch; b++) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(dropoutSeed * 0x9E3779B97F4A7C15L + firstRow + b);
            for (int i = 0; i < n; i++) order[i] = i;
            for (int i = 0; i < keep; i++) {
                int j = i + rng.nextInt(n - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            java.util.Arrays.sort(order, 0, keep);
            rows[r++] = (long) b * seqLen;                                      // the class token
            for (int i = 0; i < keep; i++) rows[r++] = (long) b * seqLen + 1 + order[i];
        }
        return Nd4j.createFromArray(rows);
    }

    @Override
    public INDArray forward(INDArray images) {
        pooled = lnPost.forward(classToken(encodeTokens(images)));
        return MatMul.gemm(pooled, proj.value(), false, false);
    }

    /** Patch embedding, class token, positional embedding, patch dropout, ln_pre and the Transformer: [B * tokens, D]. */
    private INDArray encodeTokens(INDArray images) {
        return transformer.forward(embedTokens(images));
    }

    /** The class token's row of each image in a [B * tokens, D] sequence: [B, D]. */
    private INDArray classToken(INDArray x) {
        return x.reshape(batch, tokens, width).get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
    }

    /** Patch embedding, class token, positional embedding, patch dropout and ln_pre: the Transformer's input [B * tokens, D]. */
    private INDArray embedTokens(INDArray images) {
        if (images.rank() != 4 || images.size(1) != 3 || images.size(2) != imageSize || images.size(3) != imageSize) {
            throw new IllegalArgumentException("images must be [batch, 3, " + imageSize + ", " + imageSize + "], got "
                    + java.util.Arrays.toString(images.shape()));
        }
        batch = (int) images.size(0);
        if (images.dataType() != conv1.value().dataType()) images = images.castTo(conv1.value().dataType());
        if (CpuKernels.applies(images)) {
            patches = Nd4j.createUninitialized(images.dataType(), (long) batch * grid * grid, 3L * patch * patch);
            CpuKernels.patchify(images, patch, patches);
        } else {
            patches = images.reshape(batch, 3, grid, patch, grid, patch).permute(0, 2, 4, 1, 3, 5).dup('c')
                    .reshape((long) batch * grid * grid, 3L * patch * patch);
        }
        INDArray embedded = MatMul.gemm(patches, conv1.value().reshape(width, 3L * patch * patch), false, true);
        INDArray x = Nd4j.create(embedded.dataType(), batch, seqLen, width);
        x.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all())
                .assign(classEmbedding.value().reshape(1, width).broadcast(batch, width));
        x.get(NDArrayIndex.all(), NDArrayIndex.interval(1, seqLen), NDArrayIndex.all())
                .assign(embedded.reshape(batch, seqLen - 1, width));
        x = x.reshape((long) batch * seqLen, width);
        x.reshape(batch, (long) seqLen * width).addiRowVector(positional.value().reshape(1, (long) seqLen * width));
        // patch dropout after the positional embedding, as open_clip's PatchDropout: the rest sees fewer tokens
        keptRows = keptRows();
        if (keptRows != null) x = Ops.gatherRows(x, keptRows);
        tokens = keptRows == null ? seqLen : keptPatches() + 1;
        transformer.tokens(tokens);
        return lnPre.forward(x);
    }

    /** {@code ln_post} of the class token [B, width], the features {@code visual.proj} projects. */
    @Override
    public INDArray representation(INDArray images) {
        forward(images);
        return pooled;
    }

    @Override
    public boolean hasPatchMean() {
        return true;
    }

    @Override
    public boolean hasBlockOutputs() {
        return true;
    }

    /** [B, 2D]: {@code ln_post} of the class token, then {@code ln_post} of the mean of the patch tokens' final states. */
    @Override
    public INDArray representationWithPatchMean(INDArray images) {
        INDArray x = encodeTokens(images);
        INDArray patchMean = x.reshape(batch, tokens, width).get(NDArrayIndex.all(), NDArrayIndex.interval(1, tokens), NDArrayIndex.all())
                .mean(1).reshape(batch, width);
        INDArray clsOut = lnPost.forward(classToken(x));
        return Nd4j.concat(1, clsOut, lnPost.forward(patchMean));
    }

    /**
     * [B, depth * D]: {@code ln_post} of the class token after every block, first block first (the last D columns
     * are {@link #representation}). The blocks before the last are not trained to feed {@code ln_post}; its
     * normalisation still puts every layer on one scale for a linear probe.
     */
    @Override
    public INDArray representationOfEachBlock(INDArray images) {
        java.util.List<INDArray> outputs = transformer.blockOutputs(embedTokens(images));
        INDArray[] parts = new INDArray[outputs.size()];
        for (int i = 0; i < parts.length; i++) parts[i] = lnPost.forward(classToken(outputs.get(i)));
        return parts.length == 1 ? parts[0] : Nd4j.concat(1, parts);
    }

    @Override
    public void backward(INDArray dFeatures) {
        if (proj.trainable()) Ops.gemmAccumulate(pooled, dFeatures, proj.grad(), true, false);
        INDArray dCls = lnPost.backward(MatMul.gemm(dFeatures, proj.value(), false, true));
        INDArray dx = Nd4j.zeros(dFeatures.dataType(), batch, tokens, width);
        dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dCls);
        dx = lnPre.backward(transformer.backward(dx.reshape((long) batch * tokens, width)));
        if (keptRows != null) {
            // dropped tokens get no gradient: scatter the kept rows back into the full sequence
            INDArray full = Nd4j.zeros(dx.dataType(), (long) batch * seqLen, width);
            Ops.scatterAddRows(full, keptRows, dx);
            dx = full;
        }
        if (positional.trainable()) Ops.addColumnSums(dx.reshape(batch, (long) seqLen * width), positional.grad());
        INDArray dx3 = dx.reshape(batch, seqLen, width);
        if (classEmbedding.trainable()) {
            Ops.addColumnSums(dx3.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c'), classEmbedding.grad());
        }
        if (conv1.trainable()) {
            INDArray dEmbedded = dx3.get(NDArrayIndex.all(), NDArrayIndex.interval(1, seqLen), NDArrayIndex.all()).dup('c')
                    .reshape((long) batch * grid * grid, width);
            Ops.gemmAccumulate(dEmbedded, patches, conv1.grad().reshape(width, 3L * patch * patch), true, false);
        }
    }
}
