package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One trainable tensor, named by its OpenAI state-dict key, with its gradient beside it.
 * Gradients accumulate ({@code +=}) across backward calls until {@link #zeroGrad()}.
 */
public final class Parameter {
    private final String name;
    private INDArray value;
    private INDArray grad;
    private final boolean decay;
    private boolean trainable = true;

    /** @param withGrad false for inference models: no gradient buffer is allocated and the parameter is frozen */
    Parameter(String name, INDArray value, boolean withGrad) {
        this.name = name;
        this.value = value;
        this.grad = withGrad ? value.ulike().assign(0) : null;
        this.trainable = withGrad;
        this.decay = decaysByDefault(name, value.rank());
    }

    /**
     * open_clip's rule: no weight decay on gains, biases, embeddings' positional/class vectors and the
     * temperature, i.e. tensors of fewer than 2 dimensions and names containing bn, ln, bias or logit_scale.
     */
    public static boolean decaysByDefault(String name, int rank) {
        return !(rank < 2 || name.contains("bn") || name.contains("ln") || name.contains("bias")
                || name.contains("logit_scale"));
    }

    /** Moves the parameter into views of the store's flat buffers (values copied by the caller); a null gradient freezes it for good. */
    void rebind(INDArray newValue, INDArray newGrad) {
        this.value = newValue;
        this.grad = newGrad;
    }

    public String name() {
        return name;
    }

    /** The live value; optimisers update it in place. */
    public INDArray value() {
        return value;
    }

    /** The accumulated gradient, same shape as the value. */
    public INDArray grad() {
        if (grad == null) {
            throw new IllegalStateException(name + " has no gradient: it was locked (ParameterStore.releaseFrozenGradients)"
                    + " or the model was loaded for inference");
        }
        return grad;
    }

    public boolean decay() {
        return decay;
    }

    /** False when the parameter is frozen (e.g. a locked tower): backward skips it and optimisers leave it alone. */
    public boolean trainable() {
        return trainable;
    }

    /** True when the parameter has a gradient buffer (false once locked for good, or in an inference model). */
    public boolean hasGrad() {
        return grad != null;
    }

    public void setTrainable(boolean trainable) {
        if (trainable && grad == null) {
            throw new IllegalStateException(name + " has no gradient buffer (locked for good, or an inference model's)"
                    + " and cannot be trained");
        }
        this.trainable = trainable;
    }

    public long size() {
        return value.length();
    }

    public void zeroGrad() {
        if (grad != null) grad.assign(0);
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(value.shape());
    }
}
