package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = x W^T + b, with W in PyTorch's [out, in] layout. Inputs are 2-D [N, in]. */
public final class Linear implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private INDArray input;

    /** @param bias may be null */
    public Linear(Parameter weight, Parameter bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Registers {@code prefix.weight} and {@code prefix.bias} with PyTorch's default init (U(+-1/sqrt(in))). */
    public static Linear create(ParameterStore store, String prefix, int in, int out, boolean withBias) {
        double bound = 1.0 / Math.sqrt(in);
        Parameter w = store.uniform(prefix + ".weight", bound, out, in);
        Parameter b = withBias ? store.uniform(prefix + ".bias", bound, out) : null;
        return new Linear(w, b);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        INDArray y = MatMul.gemm(x, weight.value(), false, true);
        if (bias != null) {
            if (CpuKernels.applies(y, bias.value())) CpuKernels.addRowInPlace(y, bias.value());
            else y.addiRowVector(bias.value());
        }
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (weight.trainable()) {
            Ops.gemmAccumulate(dy, input, weight.grad(), true, false);
            if (bias != null) Ops.addColumnSums(dy, bias.grad());
        }
        return MatMul.gemm(dy, weight.value(), false, false);
    }
}
