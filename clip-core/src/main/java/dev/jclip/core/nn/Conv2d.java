package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A bias-free 2-D convolution on channels-last activations [B, H, W, C] (see docs/RESNET.md for why the ResNet
 * runs channels-last). The weight keeps PyTorch's [out, in, kH, kW] layout so that it is the state-dict tensor
 * as is; libnd4j's {@code conv2d}/{@code conv2d_bp} read that layout directly (weight format 1, OIHW).
 * A 1x1 convolution with stride 1 is a plain matrix product over the [B*H*W, C] view and takes that path.
 */
public final class Conv2d implements Layer {
    private static final int NHWC = 1;
    private static final int WEIGHTS_OIHW = 1;
    private final Parameter weight;
    private final int in, out, kernel, stride, padding;
    private INDArray input;

    public Conv2d(Parameter weight, int stride, int padding) {
        long[] s = weight.value().shape();
        if (s.length != 4 || s[2] != s[3]) {
            throw new IllegalArgumentException(weight.name() + ": expected a square [out, in, k, k] kernel, got " + Arrays.toString(s));
        }
        this.weight = weight;
        this.out = (int) s[0];
        this.in = (int) s[1];
        this.kernel = (int) s[2];
        this.stride = stride;
        this.padding = padding;
    }

    /** Registers {@code name} [out, in, k, k] with PyTorch's default init: U(+-1/sqrt(in*k*k)). */
    public static Conv2d create(ParameterStore store, String name, int in, int out, int kernel, int stride, int padding) {
        double bound = 1.0 / Math.sqrt((double) in * kernel * kernel);
        return new Conv2d(store.uniform(name, bound, out, in, kernel, kernel), stride, padding);
    }

    public Parameter weight() {
        return weight;
    }

    private boolean isPointwise() {
        return kernel == 1 && stride == 1 && padding == 0;
    }

    /** Output side for an input side, as PyTorch: floor((n + 2p - k) / s) + 1. */
    public int outputSize(long inputSize) {
        return (int) ((inputSize + 2L * padding - kernel) / stride + 1);
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 4 || x.size(3) != in) {
            throw new IllegalArgumentException(weight.name() + ": expected [B, H, W, " + in + "] input, got " + Arrays.toString(x.shape()));
        }
        input = x;
        long b = x.size(0), h = x.size(1), w = x.size(2);
        if (isPointwise()) {
            return Nd4j.gemm(rows(x, in), weight2d(weight.value()), false, true).reshape(b, h, w, out);
        }
        INDArray y = Nd4j.create(x.dataType(), b, outputSize(h), outputSize(w), out);
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, weight.value()).addOutputs(y)
                .addIntegerArguments(intArgs()).build());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (isPointwise()) {
            INDArray dy2 = rows(dy, out);
            if (weight.trainable()) Ops.gemmAccumulate(dy2, rows(input, in), weight2d(weight.grad()), true, false);
            return Nd4j.gemm(dy2, weight2d(weight.value()), false, false).reshape(input.shape());
        }
        INDArray dx = input.ulike();
        INDArray dw = weight.value().ulike();
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(input, weight.value(), c(dy)).addOutputs(dx, dw)
                .addIntegerArguments(intArgs()).build());
        if (weight.trainable()) weight.grad().addi(dw);
        return dx;
    }

    private int[] intArgs() {
        // kH, kW, sH, sW, pH, pW, dH, dW, padding mode (0 = explicit), data format, weight format
        return new int[]{kernel, kernel, stride, stride, padding, padding, 1, 1, 0, NHWC, WEIGHTS_OIHW};
    }

    private INDArray weight2d(INDArray w) {
        return w.reshape(out, in);
    }

    private static INDArray c(INDArray x) {
        return x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    }

    /** [B, H, W, C] as the [B*H*W, C] matrix of its pixels. */
    static INDArray rows(INDArray x, long channels) {
        return c(x).reshape(x.length() / channels, channels);
    }
}
