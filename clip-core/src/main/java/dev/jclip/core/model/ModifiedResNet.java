package dev.jclip.core.model;

import dev.jclip.core.config.VisionConfig;
import dev.jclip.core.nn.AttentionPool2d;
import dev.jclip.core.nn.AvgPool2d;
import dev.jclip.core.nn.BatchNorm2d;
import dev.jclip.core.nn.Bottleneck;
import dev.jclip.core.nn.StepWorkspace;
import dev.jclip.core.nn.Conv2d;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.core.nn.Relu;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CLIP's ModifiedResNet image encoder (RN50 ... RN50x64): a three-conv stem (3x3 stride 2 to width/2, 3x3 to width/2,
 * 3x3 to width, each with BN and ReLU) and a 2x2 average pool; four stages of {@link Bottleneck}s with widths
 * width x 1, 2, 4, 8 (x4 expansion) and strides 1, 2, 2, 2; and {@link AttentionPool2d} to the embedding. Runs
 * channels-last internally (one transpose of the input images). Parameters are named {@code visual.*} as OpenAI's
 * state dict. BatchNorm layers use batch statistics in training mode and running statistics in evaluation mode.
 */
public final class ModifiedResNet implements ImageTower {
    private static final String PREFIX = "visual.";
    private final int imageSize;
    private final Conv2d conv1, conv2, conv3;
    private final BatchNorm2d bn1, bn2, bn3;
    // in place: each ReLU reads a fresh BatchNorm output (or sum) that nothing else keeps
    private final Relu relu1 = new Relu(true), relu2 = new Relu(true), relu3 = new Relu(true);
    private final AvgPool2d stemPool = new AvgPool2d(2);
    private final List<Bottleneck> blocks = new ArrayList<>();
    private final AttentionPool2d attnpool;
    private final List<BatchNorm2d> batchNorms = new ArrayList<>();
    private boolean training = true;
    private boolean normStatsFrozen;

    /** Bottlenecks of an inference model run in the reused scratch arena. */
    private final boolean inference;
    /** The name of the scopes that hold each bottleneck's activations from its forward to its backward. */
    private final String keptScopes = StepWorkspace.keptScopes();

    public ModifiedResNet(ParameterStore store, VisionConfig cfg, int embedDim) {
        inference = store.isInference();
        if (!cfg.isResNet()) throw new IllegalArgumentException("not a ResNet vision config: " + cfg);
        imageSize = cfg.imageSize();
        int width = cfg.width();
        conv1 = Conv2d.create(store, PREFIX + "conv1.weight", 3, width / 2, 3, 2, 1).withoutInputGradient();
        bn1 = BatchNorm2d.create(store, PREFIX + "bn1", width / 2, 1.0).overwritingInput();
        conv2 = Conv2d.create(store, PREFIX + "conv2.weight", width / 2, width / 2, 3, 1, 1);
        bn2 = BatchNorm2d.create(store, PREFIX + "bn2", width / 2, 1.0).overwritingInput();
        conv3 = Conv2d.create(store, PREFIX + "conv3.weight", width / 2, width, 3, 1, 1);
        bn3 = BatchNorm2d.create(store, PREFIX + "bn3", width, 1.0).overwritingInput();
        batchNorms.addAll(List.of(bn1, bn2, bn3));
        int inplanes = width;
        int[] layers = cfg.layers();
        for (int stage = 0; stage < 4; stage++) {
            int planes = width << stage;
            for (int i = 0; i < layers[stage]; i++) {
                int stride = i == 0 && stage > 0 ? 2 : 1;
                Bottleneck b = new Bottleneck(store, PREFIX + "layer" + (stage + 1) + "." + i, inplanes, planes, stride);
                blocks.add(b);
                batchNorms.addAll(b.batchNorms());
                inplanes = planes * Bottleneck.EXPANSION;
            }
        }
        attnpool = AttentionPool2d.create(store, PREFIX + "attnpool", cfg.gridSize(), cfg.resnetOutputWidth(),
                cfg.resolvedHeads(), embedDim);
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
        for (BatchNorm2d bn : batchNorms) bn.setTraining(training && !normStatsFrozen);
    }

    @Override
    public void freezeNormStats(boolean frozen) {
        normStatsFrozen = frozen;
        setTraining(training);
    }

    public boolean isTraining() {
        return training;
    }

    /** Every BatchNorm layer, stem first. */
    public List<BatchNorm2d> batchNorms() {
        return List.copyOf(batchNorms);
    }

    @Override
    public INDArray forward(INDArray images) {
        return attnpool.forward(featureMap(images));
    }

    @Override
    public boolean hasPatchMean() {
        return true;
    }

    /** [B, embed_dim + channels]: the attention pool's output, then the mean of its input map over the positions. */
    @Override
    public INDArray representationWithPatchMean(INDArray images) {
        INDArray map = featureMap(images);
        return Nd4j.concat(1, attnpool.forward(map), map.mean(1, 2));
    }

    /** The last stage's output, the attention pool's input: [B, H, W, channels] (NHWC), H = W = image size / 32. */
    public INDArray featureMap(INDArray images) {
        if (images.rank() != 4 || images.size(1) != 3 || images.size(2) != imageSize || images.size(3) != imageSize) {
            throw new IllegalArgumentException("images must be [batch, 3, " + imageSize + ", " + imageSize + "], got "
                    + Arrays.toString(images.shape()));
        }
        INDArray weight = conv1.weight().value();
        if (images.dataType() != weight.dataType()) images = images.castTo(weight.dataType());
        INDArray x = images.permute(0, 2, 3, 1).dup('c');   // NCHW -> NHWC
        x = relu1.forward(bn1.forward(conv1.forward(x)));
        x = relu2.forward(bn2.forward(conv2.forward(x)));
        x = relu3.forward(bn3.forward(conv3.forward(x)));
        x = stemPool.forward(x);
        for (int i = 0; i < blocks.size(); i++) {
            Bottleneck b = blocks.get(i);
            INDArray in = x;
            // an inference model never runs backward: each bottleneck's temporaries die with it (as in Transformer);
            // in training they are freed block by block in backward
            x = inference ? StepWorkspace.forwardInScratch(() -> b.forward(in)) : StepWorkspace.forwardKept(keptScopes, i, () -> b.forward(in));
        }
        return x;
    }

    @Override
    public void backward(INDArray gradFeatures) {
        // Each block's temporaries die in the scratch arena and the gradient between blocks is freed once read, so
        // the step's scope keeps only the forward's activations (RN50 b8: 3.7 GB peak with both in the scope).
        INDArray d = attnpool.backward(gradFeatures);
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Bottleneck block = blocks.get(i);
            INDArray in = d;
            d = StepWorkspace.backwardInScratchDetached(() -> block.backward(in));
            StepWorkspace.free(in);
            StepWorkspace.freeForward(keptScopes, i);
        }
        INDArray top = d;
        StepWorkspace.backwardInScratch(() -> {
            INDArray g = stemPool.backward(top);
            g = conv3.backward(bn3.backward(relu3.backward(g)));
            g = conv2.backward(bn2.backward(relu2.backward(g)));
            conv1.backward(bn1.backward(relu1.backward(g)));
        });
        StepWorkspace.free(top);
    }
}
