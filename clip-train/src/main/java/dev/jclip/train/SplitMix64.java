package dev.jclip.train;

/**
 * A tiny random generator whose whole state is one {@code long}, so checkpoints can save and restore it exactly
 * (java.util's generators do not expose their state). Steele, Lea and Flood's SplitMix64 output function.
 */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }
}
