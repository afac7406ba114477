package dev.jclip.data.loader;

/** Derives independent, reproducible seeds from (seed, epoch, ...) with SplitMix64's finaliser. */
public final class Seeds {
    private Seeds() {
    }

    /** A 64-bit seed that depends on every part and on their order. */
    public static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) h = finalise(h ^ finalise(p + 0x9E3779B97F4A7C15L));
        return h;
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
