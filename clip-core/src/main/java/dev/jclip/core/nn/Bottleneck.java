package dev.jclip.core.nn;

import java.util.ArrayList;
import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CLIP's anti-aliased ResNet bottleneck (expansion 4) on channels-last activations: 1x1 conv, BN, ReLU; 3x3 conv
 * (padding 1), BN, ReLU; average pooling by the stride when it is above 1 (instead of a strided conv); 1x1 conv to
 * 4 x planes, BN; plus the shortcut; ReLU. The shortcut is the identity, or, when the stride is above 1 or the
 * channel count changes, average pooling by the stride, a 1x1 conv ({@code downsample.0}) and a BN
 * ({@code downsample.1}): OpenAI's Sequential names the parameter-free pool "-1". Every conv is bias-free.
 */
public final class Bottleneck implements Layer {
    public static final int EXPANSION = 4;
    private final Conv2d conv1, conv2, conv3;
    private final BatchNorm2d bn1, bn2, bn3;
    // in place: each ReLU reads a fresh BatchNorm output (or sum) that nothing else keeps
    private final Relu relu1 = new Relu(true), relu2 = new Relu(true), relu3 = new Relu(true);
    private final AvgPool2d pool;
    private final AvgPool2d downPool;      // null without a downsample branch
    private final Conv2d downConv;
    private final BatchNorm2d downBn;

    /**
     * Registers the block's parameters under {@code prefix}. As OpenAI's CLIP initialisation, {@code bn3.weight}
     * starts at zero so each block starts as (almost) its shortcut.
     */
    public Bottleneck(ParameterStore store, String prefix, int inplanes, int planes, int stride) {
        int outplanes = planes * EXPANSION;
        conv1 = Conv2d.create(store, prefix + ".conv1.weight", inplanes, planes, 1, 1, 0);
        bn1 = BatchNorm2d.create(store, prefix + ".bn1", planes, 1.0).overwritingInput();
        conv2 = Conv2d.create(store, prefix + ".conv2.weight", planes, planes, 3, 1, 1);
        bn2 = BatchNorm2d.create(store, prefix + ".bn2", planes, 1.0).overwritingInput();
        pool = new AvgPool2d(stride);
        conv3 = Conv2d.create(store, prefix + ".conv3.weight", planes, outplanes, 1, 1, 0);
        bn3 = BatchNorm2d.create(store, prefix + ".bn3", outplanes, 0.0).overwritingInput();
        if (stride > 1 || inplanes != outplanes) {
            downPool = new AvgPool2d(stride);
            downConv = Conv2d.create(store, prefix + ".downsample.0.weight", inplanes, outplanes, 1, 1, 0);
            downBn = BatchNorm2d.create(store, prefix + ".downsample.1", outplanes, 1.0).overwritingInput();
        } else {
            downPool = null;
            downConv = null;
            downBn = null;
        }
    }

    public boolean hasDownsample() {
        return downConv != null;
    }

    /** The block's BatchNorm layers (for switching between training and evaluation). */
    public List<BatchNorm2d> batchNorms() {
        List<BatchNorm2d> out = new ArrayList<>(List.of(bn1, bn2, bn3));
        if (downBn != null) out.add(downBn);
        return out;
    }

    @Override
    public INDArray forward(INDArray x) {
        INDArray out = relu1.forward(bn1.forward(conv1.forward(x)));
        out = relu2.forward(bn2.forward(conv2.forward(out)));
        out = bn3.forward(conv3.forward(pool.forward(out)));
        INDArray identity = downConv != null ? downBn.forward(downConv.forward(downPool.forward(x))) : x;
        return relu3.forward(out.addi(identity));
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray d = relu3.backward(dy);
        INDArray dx = conv1.backward(bn1.backward(relu1.backward(
                conv2.backward(bn2.backward(relu2.backward(pool.backward(conv3.backward(bn3.backward(d)))))))));
        INDArray dShortcut = downConv != null ? downPool.backward(downConv.backward(downBn.backward(d))) : d;
        return dx.addi(dShortcut);
    }
}
