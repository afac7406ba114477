package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Average pooling with kernel = stride (PyTorch's {@code AvgPool2d(k)}, as CLIP's ResNet uses it) on channels-last
 * activations [B, H, W, C]. Sides must be multiples of k: CLIP's sizes always are, and PyTorch would silently drop
 * the remainder. Parameter-free.
 */
public final class AvgPool2d implements Layer {
    private final int k;
    private long[] inputShape;
    private INDArray input;

    public AvgPool2d(int k) {
        if (k < 1) throw new IllegalArgumentException("pool size must be positive, got " + k);
        this.k = k;
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 4 || x.size(1) % k != 0 || x.size(2) % k != 0) {
            throw new IllegalArgumentException("avg pool " + k + ": expected [B, H, W, C] with H and W multiples of " + k
                    + ", got " + Arrays.toString(x.shape()));
        }
        if (k == 1) return x;
        input = x;
        inputShape = x.shape();
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1) / k, x.size(2) / k, x.size(3));
        Nd4j.exec(DynamicCustomOp.builder("avgpool2d").addInputs(x).addOutputs(y).addIntegerArguments(intArgs()).build());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (k == 1) return dy;
        INDArray dx = Nd4j.create(dy.dataType(), inputShape);
        Nd4j.exec(DynamicCustomOp.builder("avgpool2d_bp").addInputs(input, dy).addOutputs(dx).addIntegerArguments(intArgs()).build());
        return dx;
    }

    private int[] intArgs() {
        // kH, kW, sH, sW, pH, pW, dH, dW, same mode (0 = no), divisor mode (0: no padding to count), NHWC
        return new int[]{k, k, k, k, 0, 0, 1, 1, 0, 0, 1};
    }
}
