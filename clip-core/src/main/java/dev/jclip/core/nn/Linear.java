package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/** y = x W^T + b, with W in PyTorch's [out, in] layout. Inputs are 2-D [N, in]. */
public final class Linear implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private INDArray input;

    /** Every projection in CLIP has a bias, so a Linear always has one. */
    public Linear(Parameter weight, Parameter bias) {
        this.weight = Objects.requireNonNull(weight, "weight");
        this.bias = Objects.requireNonNull(bias, "bias");
    }

    /** Registers {@code prefix.weight} and {@code prefix.bias} with PyTorch's default init (U(+-1/sqrt(in))). */
    public static Linear create(ParameterStore store, String prefix, int in, int out) {
        double bound = 1.0 / Math.sqrt(in);
        return new Linear(store.uniform(prefix + ".weight", bound, out, in), store.uniform(prefix + ".bias", bound, out));
    }

    /** Registers {@code prefix.weight} ~ N(0, std) and {@code prefix.bias} with PyTorch's default U(+-1/sqrt(in)). */
    public static Linear normal(ParameterStore store, String prefix, int in, int out, double std) {
        return new Linear(store.normal(prefix + ".weight", std, out, in), store.uniform(prefix + ".bias", 1.0 / Math.sqrt(in), out));
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
        if (CpuKernels.applies(y, bias.value())) CpuKernels.addRowInPlace(y, bias.value());
        else y.addiRowVector(bias.value());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (weight.trainable()) {
            Ops.gemmAccumulate(dy, input, weight.grad(), true, false);
            Ops.addColumnSums(dy, bias.grad());
        }
        return MatMul.gemm(dy, weight.value(), false, false);
    }
}
