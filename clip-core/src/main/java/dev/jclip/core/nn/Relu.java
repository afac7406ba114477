package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** max(x, 0), elementwise on any shape; the gradient passes where the output is positive. */
public final class Relu implements Layer {
    private INDArray output;

    @Override
    public INDArray forward(INDArray x) {
        output = Transforms.relu(x, true);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = dy.ulike();
        // relu_bp passes dy where its first input is > 0; the output is > 0 exactly where the input is
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(output, dy).addOutputs(dx).addFloatingPointArguments(0.0).build());
        return dx;
    }
}
