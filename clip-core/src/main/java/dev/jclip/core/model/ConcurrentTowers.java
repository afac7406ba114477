package dev.jclip.core.model;

/**
 * Whether a training step runs its two towers at the same time, each on its share of the kernel threads
 * ({@link ClipModel#setConcurrentTowers}): the same bits either way, a different use of the cores.
 */
public enum ConcurrentTowers {
    /**
     * At the same time where there are two or more kernel threads, each tower's FLOP share is at least one of them,
     * and the step is too small to keep every thread busy one tower at a time (docs/PERFORMANCE.md).
     */
    AUTO,
    /** At the same time whenever there are two or more kernel threads. */
    ON,
    /** One after the other, each on every kernel thread. */
    OFF;

    /**
     * From its lower-case name ("auto", "on", "off"), as the command line and the training config write it; the
     * failure's message ("must be ...") follows the option's name.
     */
    public static ConcurrentTowers parse(String name) {
        for (ConcurrentTowers m : values()) {
            if (m.name().toLowerCase(java.util.Locale.ROOT).equals(name)) return m;
        }
        throw new IllegalArgumentException("must be auto, on or off, got '" + name + "'");
    }
}
