package dev.jclip.train.optim;

import dev.jclip.core.nn.Parameter;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_}: the L2 norm over all trainable
 * gradients together, and when it exceeds {@code maxNorm} every gradient is scaled by
 * {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The L2 norm of all trainable parameters' gradients taken as one vector (NaN or infinite if any is). */
    public static double globalNorm(Iterable<Parameter> params) {
        double sumSq = 0;
        for (Parameter p : params) {
            if (!p.trainable()) continue;
            sumSq += dev.jclip.core.nn.Ops.sumOfSquares(p.grad());   // the same at any thread count
        }
        return Math.sqrt(sumSq);
    }

    /**
     * Scales the gradients down when their global norm exceeds {@code maxNorm}; a non-finite norm leaves them
     * untouched (the caller decides what to do). Returns the norm before clipping.
     */
    public static double clip(Iterable<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max gradient norm must be positive, got " + maxNorm);
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Parameter p : params) if (p.trainable()) p.grad().muli(coef);
        }
        return norm;
    }
}
