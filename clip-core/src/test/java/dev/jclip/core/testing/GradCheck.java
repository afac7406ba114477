package dev.jclip.core.testing;

import dev.jclip.core.nn.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Central finite differences in double precision against analytic gradients. The caller supplies a loss
 * that reads the current parameter values; entries of each parameter are perturbed in place and restored.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Worst relative error found, with where it happened. */
    public record Report(double maxRelError, String where) {
    }

    /**
     * Checks up to {@code samplesPerParam} random entries of every parameter. Relative error is
     * |num - ana| / max(|num| + |ana|, floor) so that tiny gradients are compared absolutely.
     */
    public static Report check(Collection<Parameter> params, DoubleSupplier loss, int samplesPerParam, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double worst = 0;
        String where = "";
        double h = 1e-6;
        for (Parameter p : params) {
            if (p.value().dataType() != DataType.DOUBLE) throw new IllegalArgumentException("grad check needs DOUBLE parameters");
            INDArray flat = p.value().reshape(-1);
            INDArray grad = p.grad().reshape(-1);
            long n = flat.length();
            int count = (int) Math.min(n, samplesPerParam);
            for (int s = 0; s < count; s++) {
                long i = n <= samplesPerParam ? s : rng.nextLong(n);
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + h);
                double plus = loss.getAsDouble();
                flat.putScalar(i, orig - h);
                double minus = loss.getAsDouble();
                flat.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * h);
                double analytic = grad.getDouble(i);
                double rel = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric) + Math.abs(analytic), 1e-3);
                if (rel > worst) {
                    worst = rel;
                    where = p.name() + "[" + i + "] numeric=" + numeric + " analytic=" + analytic;
                }
            }
        }
        return new Report(worst, where);
    }

    /** Relative error of an input gradient, checked the same way on every entry of a (small) input. */
    public static Report checkInput(INDArray input, INDArray analytic, DoubleSupplier loss) {
        double worst = 0;
        String where = "";
        double h = 1e-6;
        INDArray flat = input.reshape(-1);
        INDArray ana = analytic.reshape(-1);
        for (long i = 0; i < flat.length(); i++) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + h);
            double plus = loss.getAsDouble();
            flat.putScalar(i, orig - h);
            double minus = loss.getAsDouble();
            flat.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * h);
            double rel = Math.abs(numeric - ana.getDouble(i)) / Math.max(Math.abs(numeric) + Math.abs(ana.getDouble(i)), 1e-3);
            if (rel > worst) {
                worst = rel;
                where = "input[" + i + "] numeric=" + numeric + " analytic=" + ana.getDouble(i);
            }
        }
        return new Report(worst, where);
    }
}
