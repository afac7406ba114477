package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable map with an explicit backward pass. {@code forward} caches what {@code backward} needs;
 * {@code backward} takes the gradient of the loss with respect to the last forward's output, accumulates
 * parameter gradients and returns the gradient with respect to that forward's input.
 */
public interface Layer {
    INDArray forward(INDArray input);

    INDArray backward(INDArray gradOutput);
}
