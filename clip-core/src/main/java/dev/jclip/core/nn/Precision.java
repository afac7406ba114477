package dev.jclip.core.nn;

/**
 * The number format of the towers' matrix products in training ({@link MatMul#inPrecision}). Everything else (the
 * parameters and their optimizer state, gradients, LayerNorm, softmax, the loss and its product) stays float32, as
 * in open_clip's {@code --precision amp_bf16}.
 */
public enum Precision {
    /** Every product in float32. */
    FLOAT32,
    /**
     * The layers' 2-D products with their operands rounded to bfloat16 (to nearest, ties to even), summed in float32
     * into float32 outputs ({@link Bf16Gemm}): the weight gradients are float32 sums of bf16 products.
     */
    BF16;

    /** From its lower-case name ("float32", "bf16"); the failure's message ("must be ...") follows the option's name. */
    public static Precision parse(String name) {
        for (Precision p : values()) {
            if (p.name().toLowerCase(java.util.Locale.ROOT).equals(name)) return p;
        }
        throw new IllegalArgumentException("must be float32 or bf16, got '" + name + "'");
    }

    /** The lower-case name, as the command line and the training config write it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
