package dev.jclip.train;

/**
 * Detects a loss spike: after {@link #WARMUP} steps, a loss above {@code factor} times the running mean of the
 * losses before it. The running mean is exponential with weight {@link #ALPHA} per step (about the last 20 steps);
 * a spiking loss does not enter it. Its state is saved in checkpoints so a resumed run detects exactly what the
 * uninterrupted one would.
 */
final class LossSpikeGuard {
    static final int WARMUP = 20;
    static final double ALPHA = 0.05;

    private final double factor;
    private double mean;
    private long steps;

    /** @param factor the threshold (a loss above factor x mean is a spike); 0 turns detection off */
    LossSpikeGuard(double factor) {
        this.factor = factor;
    }

    /** True when {@code loss} is a spike; otherwise it enters the running mean. */
    boolean isSpike(double loss) {
        if (factor > 0 && steps >= WARMUP && loss > factor * mean) return true;
        mean = steps == 0 ? loss : mean + ALPHA * (loss - mean);
        steps++;
        return false;
    }

    double mean() {
        return mean;
    }

    String toJson() {
        return "{\"mean\":" + mean + ",\"steps\":" + steps + "}";
    }

    void restore(String json) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            mean = node.get("mean").asDouble();
            steps = node.get("steps").asLong();
        } catch (Exception e) {
            throw new IllegalArgumentException("unreadable loss guard state " + json, e);
        }
    }
}
