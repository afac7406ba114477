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
            sigmoid = null;   // the fused backward recomputes it
            CpuKernels.quickGeluForward(x, y);
            return y;
        }
        sigmoid = Transforms.sigmoid(x.mul(ALPHA), false);
        return x.mul(sigmoid);
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (sigmoid == null) {
            if (!CpuKernels.applies(dy)) dy = dy.dup('c');
            INDArray dx = dy.ulike();
            CpuKernels.quickGeluBackward(dy, input, dx);
            return dx;
        }
        // d/dx [x s(ax)] = s + a x s (1 - s)
        INDArray oneMinus = sigmoid.rsub(1.0);
        INDArray local = input.mul(ALPHA).muli(sigmoid).muli(oneMinus).addi(sigmoid);
        return local.muli(dy);
    }
}
