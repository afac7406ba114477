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
        Worst worst = new Worst();
        for (Parameter p : params) {
            if (p.value().dataType() != DataType.DOUBLE) throw new IllegalArgumentException("grad check needs DOUBLE parameters");
            INDArray flat = p.value().reshape(-1);
            INDArray grad = p.grad().reshape(-1);
            long n = flat.length();
            int count = (int) Math.min(n, samplesPerParam);
            for (int s = 0; s < count; s++) {
                long i = n <= samplesPerParam ? s : rng.nextLong(n);
                worst.compare(p.name() + "[" + i + "]", numeric(flat, i, loss), grad.getDouble(i));
            }
        }
        return worst.report();
    }

    /** Relative error of an input gradient, checked the same way on every entry of a (small) input. */
    public static Report checkInput(INDArray input, INDArray analytic, DoubleSupplier loss) {
        Worst worst = new Worst();
        INDArray flat = input.reshape(-1);
        INDArray ana = analytic.reshape(-1);
        for (long i = 0; i < flat.length(); i++) worst.compare("input[" + i + "]", numeric(flat, i, loss), ana.getDouble(i));
        return worst.report();
    }

    /** Central difference of the loss in entry i of a (view of a) tensor, restoring the entry afterwards. */
    private static double numeric(INDArray flat, long i, DoubleSupplier loss) {
        double h = 1e-6;
        double orig = flat.getDouble(i);
        flat.putScalar(i, orig + h);
        double plus = loss.getAsDouble();
        flat.putScalar(i, orig - h);
        double minus = loss.getAsDouble();
        flat.putScalar(i, orig);
        return (plus - minus) / (2 * h);
    }

    /** Tracks the largest relative error seen (floor 1e-3: finite differences carry ~1e-10 noise). */
    private static final class Worst {
        private double rel;
        private String where = "";

        void compare(String at, double numeric, double analytic) {
            double r = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric) + Math.abs(analytic), 1e-3);
            if (r > rel) {
                rel = r;
                where = at + " numeric=" + numeric + " analytic=" + analytic;
            }
        }

        Report report() {
            return new Report(rel, where);
        }
    }
}
