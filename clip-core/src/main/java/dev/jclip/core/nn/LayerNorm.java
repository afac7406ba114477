package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * PyTorch's LayerNorm over the last dimension (eps 1e-5) on 2-D input [N, D]. Written out rather than
 * ND4J's native {@code layer_norm}, which has no epsilon.
 */
public final class LayerNorm implements Layer {
    public static final double EPS = 1e-5;
    private final Parameter gain;
    private final Parameter bias;
    private INDArray normalised;
    private INDArray rstd;
    private float[] rstdFused;

    public LayerNorm(Parameter gain, Parameter bias) {
        this.gain = gain;
        this.bias = bias;
    }

    /** Registers {@code prefix.weight} = 1 and {@code prefix.bias} = 0. */
    public static LayerNorm create(ParameterStore store, String prefix, int width) {
        return new LayerNorm(store.constant(prefix + ".weight", 1.0, width), store.zeros(prefix + ".bias", width));
    }

    @Override
    public INDArray forward(INDArray x) {
        long n = x.rows();
        if (CpuKernels.applies(x, gain.value(), bias.value())) {
            INDArray y = x.ulike();
            normalised = x.ulike();
            if (rstdFused == null || rstdFused.length < n) rstdFused = new float[(int) n];
            CpuKernels.layerNormForward(x, gain.value(), bias.value(), EPS, y, normalised, rstdFused);
            rstd = null;
            return y;
        }
        INDArray centred = x.subColumnVector(x.mean(1).reshape(n, 1));
        INDArray var = centred.mul(centred).mean(1).reshape(n, 1);
        rstd = Transforms.pow(var.addi(EPS), -0.5, false);
        normalised = centred.muliColumnVector(rstd);
        return normalised.mulRowVector(gain.value()).addiRowVector(bias.value());
    }

    @Override
    public INDArray backward(INDArray dy) {
        long n = dy.rows();
        if (rstd == null && CpuKernels.applies(dy, normalised, gain.value())) {
            INDArray dx = dy.ulike();
            boolean train = gain.trainable();
            CpuKernels.layerNormBackward(dy, normalised, rstdFused, gain.value(), train ? gain.grad() : null,
                    train ? bias.grad() : null, dx);
            return dx;
        }
        if (gain.trainable()) {
            Ops.addColumnSums(dy.mul(normalised), gain.grad());
            Ops.addColumnSums(dy, bias.grad());
        }
        INDArray dxhat = dy.mulRowVector(gain.value());
        INDArray meanD = dxhat.mean(1).reshape(n, 1);
        INDArray meanDX = dxhat.mul(normalised).mean(1).reshape(n, 1);
        return dxhat.subiColumnVector(meanD).subi(normalised.mulColumnVector(meanDX)).muliColumnVector(rstd);
    }
}
