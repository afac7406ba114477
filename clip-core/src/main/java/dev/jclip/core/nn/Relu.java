package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** max(x, 0), elementwise on any shape; the gradient passes where the output is positive. */
public final class Relu implements Layer {
    private final boolean inPlace;
    private INDArray output;

    /** A ReLU that leaves its input alone. */
    public Relu() {
        this(false);
    }

    /**
     * @param inPlace overwrite the input with the output: saves an allocation where the caller owns a fresh input
     *                that nothing else reads (a BatchNorm output inside a block)
     */
    public Relu(boolean inPlace) {
        this.inPlace = inPlace;
    }

    @Override
    public INDArray forward(INDArray x) {
        output = Transforms.relu(x, !inPlace);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.shape());
        if (CpuKernels.applies(output, dy)) {
            CpuKernels.reluBackward(output, dy, dx);
            return dx;
        }
        // relu_bp passes dy where its first input is > 0; the output is > 0 exactly where the input is
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(output, dy).addOutputs(dx).addFloatingPointArguments(0.0).build());
        return dx;
    }
}
