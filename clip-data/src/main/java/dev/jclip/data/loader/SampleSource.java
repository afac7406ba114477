package dev.jclip.data.loader;

import java.util.List;
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

    /**
     * The stream of one epoch as read by {@code readers} (the loader's workers; in a multi-process run, this
     * process's share): a resampled source draws one independently seeded shard sequence per reader and
     * interleaves them; other sources ignore the readers.
     */
    default SampleStream open(long seed, int epoch, boolean shuffle, List<ShardSlot> readers, SkipCounter skips,
                              AtomicLong shardsOpened) {
        return open(seed, epoch, shuffle, skips, shardsOpened);
    }

    /** True when the stream never ends (resampled shards): the loader then needs a fixed epoch length. */
    boolean infinite();

    /** Samples per epoch when known without reading (sizes.json, manifest rows), else null. */
    Long knownSize();
}
