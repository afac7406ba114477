package dev.jclip.data.loader;

import java.util.concurrent.atomic.AtomicLong;

/** Where samples come from: WebDataset shards or a CSV/TSV manifest. */
public interface SampleSource {
    /**
     * Opens the stream of one epoch. The order depends only on {@code seed}, {@code epoch} and {@code shuffle},
     * so reopening gives the same samples in the same order.
     *
     * @param shuffle      shuffle the shard (or row) order for this epoch; false keeps the given order
     * @param skips        where bad samples are counted
     * @param shardsOpened incremented for each shard (or manifest) successfully opened
     */
    SampleStream open(long seed, int epoch, boolean shuffle, SkipCounter skips, AtomicLong shardsOpened);

    /** True when the stream never ends (resampled shards): the loader then needs a fixed epoch length. */
    boolean infinite();

    /** Samples per epoch when known without reading (sizes.json, manifest rows), else null. */
    Long knownSize();
}
