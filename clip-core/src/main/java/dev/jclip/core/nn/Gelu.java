package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The exact GELU, x * Phi(x) with the error function (PyTorch's nn.GELU default, used by open_clip's non-quick models). */
public final class Gelu implements Layer {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private INDArray input;
    private INDArray cdf;

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        INDArray scaled = x.mul(INV_SQRT2);
        INDArray erf = Nd4j.exec(new Erf(scaled, scaled.ulike()));
        cdf = erf.addi(1.0).muli(0.5);
        return x.mul(cdf);
    }

    @Override
    public INDArray backward(INDArray dy) {
        // d/dx [x Phi(x)] = Phi(x) + x phi(x)
        INDArray pdf = Transforms.exp(input.mul(input).muli(-0.5), false).muli(INV_SQRT_2PI);
        return pdf.muli(input).addi(cdf).muli(dy);
    }
}
