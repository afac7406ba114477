package dev.jclip.eval.probe;

/** A smooth objective of a double vector, evaluated together with its gradient. */
@FunctionalInterface
public interface DifferentiableFunction {
    /**
     * @param x        the point (not modified)
     * @param gradient receives the gradient at x (same length as x)
     * @return the value at x
     */
    double valueAndGradient(double[] x, double[] gradient);
}
