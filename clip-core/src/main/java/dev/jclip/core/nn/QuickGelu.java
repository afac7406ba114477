package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** OpenAI CLIP's activation: x * sigmoid(1.702 x). */
public final class QuickGelu implements Layer {
    private static final double ALPHA = 1.702;
    private INDArray input;
    private INDArray sigmoid;

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        if (CpuKernels.applies(x)) {
            INDArray y = x.ulike();
            sigmoid = x.ulike();
            CpuKernels.quickGeluForward(x, y, sigmoid);
            return y;
        }
        sigmoid = Transforms.sigmoid(x.mul(ALPHA), false);
        return x.mul(sigmoid);
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (CpuKernels.applies(dy, input, sigmoid)) {
            INDArray dx = dy.ulike();
            CpuKernels.quickGeluBackward(dy, input, sigmoid, dx);
            return dx;
        }
        // d/dx [x s(ax)] = s + a x s (1 - s)
        INDArray oneMinus = sigmoid.rsub(1.0);
        INDArray local = input.mul(ALPHA).muli(sigmoid).muli(oneMinus).addi(sigmoid);
        return local.muli(dy);
    }
}
