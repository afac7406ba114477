package dev.jclip.data.loader;

/**
 * The raw samples of one epoch in a fixed order. Bad input is counted in the {@link SkipCounter} given to
 * {@link SampleSource#open} and left out; nothing is thrown for bad data.
 */
public interface SampleStream extends AutoCloseable {
    /** The next sample, or null at the end of the epoch (never, for a resampled source). */
    RawSample next();

    /** Releases open files; does not throw. */
    @Override
    void close();
}
