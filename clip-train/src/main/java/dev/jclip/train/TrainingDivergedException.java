package dev.jclip.train;

/** The loss or a gradient became NaN or infinite; the message names the step. No checkpoint was written for it. */
public class TrainingDivergedException extends RuntimeException {
    private final long step;

    public TrainingDivergedException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The 1-based step whose loss or gradient was not finite. */
    public long step() {
        return step;
    }
}
