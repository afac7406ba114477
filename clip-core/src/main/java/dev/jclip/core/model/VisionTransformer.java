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
 * on the class token and the projection {@code visual.proj}.
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
    private INDArray patches;   // [B*g*g, 3*p*p]
    private INDArray pooled;    // [B, D] after ln_post
    private int batch;

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
    }

    @Override
    public INDArray forward(INDArray images) {
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
        x = transformer.forward(lnPre.forward(x));
        INDArray cls = x.reshape(batch, seqLen, width).get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
        pooled = lnPost.forward(cls);
        return MatMul.gemm(pooled, proj.value(), false, false);
    }

    @Override
    public void backward(INDArray dFeatures) {
        if (proj.trainable()) Ops.gemmAccumulate(pooled, dFeatures, proj.grad(), true, false);
        INDArray dCls = lnPost.backward(MatMul.gemm(dFeatures, proj.value(), false, true));
        INDArray dx = Nd4j.zeros(dFeatures.dataType(), batch, seqLen, width);
        dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dCls);
        dx = lnPre.backward(transformer.backward(dx.reshape((long) batch * seqLen, width)));
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
