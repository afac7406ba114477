package dev.jclip.data.loader;

import dev.jclip.data.shards.ShardSizes;
import dev.jclip.data.shards.ShardSpec;
import dev.jclip.data.shards.TarSample;
import dev.jclip.data.shards.TarSampleReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples from WebDataset tar shards, read sequentially and streamed (one sample in memory at a time per shard).
 * Each epoch either visits every shard once in an order shuffled with (seed, epoch), or, resampled (open_clip's
 * {@code --dataset-resampled}), draws shards with replacement forever ({@link ResampledShards}: uniformly, or in
 * proportion to per-shard weights, open_clip's {@code --train-data-upsampling-factors}). Resampled, each reader
 * ({@link ShardSlot}) draws its own sequence from its own seed and the stream takes one sample from each reader
 * in turn, as open_clip's data-loader workers each draw their own shards.
 *
 * <p>A sample's image is its first member among {@code jpg, jpeg, png, webp, bmp}; its caption is the
 * {@code txt} member, else the {@code caption} field of the {@code json} member. A shard that cannot be opened
 * (missing file, not a tar, no entries at all) is skipped as {@link SkipReason#SHARD_UNREADABLE}; one that breaks
 * after its first header as {@link SkipReason#TRUNCATED_SHARD}, keeping the samples completed before the break.
 * A sample with a member over {@link dev.jclip.core.io.Limits#RECORD_BYTES} is skipped as
 * {@link SkipReason#RECORD_TOO_LARGE}, and the shard reads on.
 */
public final class WebDatasetSource implements SampleSource {
    private static final Logger LOG = LoggerFactory.getLogger(WebDatasetSource.class);
    private static final String[] IMAGE_EXTS = {"jpg", "jpeg", "png", "webp", "bmp"};
    private static final long SHARD_ORDER_SALT = 0x5348415244L;

    private final List<String> shards;
    private final boolean resampled;
    private final ResampledShards draws;

    /** @param shards shard paths in their given order; {@code resampled} draws them uniformly with replacement */
    public WebDatasetSource(List<String> shards, boolean resampled) {
        this(shards, resampled, null);
    }

    /**
     * @param weights per-shard draw weights (resampled only), or null for uniform draws
     */
    public WebDatasetSource(List<String> shards, boolean resampled, double[] weights) {
        if (shards.isEmpty()) throw new IllegalArgumentException("no shards");
        if (weights != null && !resampled) throw new IllegalArgumentException("shard weights need resampling");
        this.shards = List.copyOf(shards);
        this.resampled = resampled;
        this.draws = resampled ? new ResampledShards(shards, weights) : null;
    }

    /** From an open_clip shard spec such as {@code data/shard-{00000..00099}.tar::more/{0..9}.tar}. */
    public static WebDatasetSource of(String spec, boolean resampled) {
        return new WebDatasetSource(ShardSpec.expand(spec), resampled);
    }

    public List<String> shards() {
        return shards;
    }

    @Override
    public boolean infinite() {
        return resampled;
    }

    @Override
    public Long knownSize() {
        return ShardSizes.total(shards);
    }

    /** One reader ({@link ShardSlot#local(int, int) local slot 0 of 1}). */
    @Override
    public SampleStream open(long seed, int epoch, boolean shuffle, SkipCounter skips, AtomicLong shardsOpened) {
        return open(seed, epoch, shuffle, List.of(ShardSlot.local(0, 1)), skips, shardsOpened);
    }

    /** Resampled: one stream per reader, interleaved sample by sample; otherwise the readers do not matter. */
    @Override
    public SampleStream open(long seed, int epoch, boolean shuffle, List<ShardSlot> readers, SkipCounter skips, AtomicLong shardsOpened) {
        if (!resampled) {
            SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, epoch, SHARD_ORDER_SALT));
            List<String> order = new ArrayList<>(shards);
            if (shuffle) Shuffle.shuffle(order, rng);
            return new Stream(order, null, skips, shardsOpened);
        }
        List<SampleStream> streams = new ArrayList<>();
        for (ShardSlot slot : readers) streams.add(new Stream(shards, ResampledShards.generator(seed, epoch, slot), skips, shardsOpened));
        return streams.size() == 1 ? streams.get(0) : new Interleaved(streams);
    }

    /** One sample from each stream in turn; a stream that ends drops out. */
    private static final class Interleaved implements SampleStream {
        private final List<SampleStream> streams;
        private int turn;

        Interleaved(List<SampleStream> streams) {
            this.streams = new ArrayList<>(streams);
        }

        @Override
        public RawSample next() {
            while (!streams.isEmpty()) {
                turn %= streams.size();
                RawSample s = streams.get(turn).next();
                if (s != null) {
                    turn++;
                    return s;
                }
                streams.remove(turn).close();
            }
            return null;
        }

        @Override
        public void close() {
            for (SampleStream s : streams) s.close();
        }
    }

    private final class Stream implements SampleStream {
        private final List<String> order;
        private final SplittableRandom rng;
        private final SkipCounter skips;
        private final AtomicLong shardsOpened;
        private int nextShard;
        private TarSampleReader reader;
        private String current;
        private boolean currentGaveSamples;
        private int barrenDraws; // resampled: consecutive shards without a single sample

        Stream(List<String> order, SplittableRandom rng, SkipCounter skips, AtomicLong shardsOpened) {
            this.order = order;
            this.rng = rng;
            this.skips = skips;
            this.shardsOpened = shardsOpened;
        }

        @Override
        public RawSample next() {
            while (true) {
                if (reader == null && !openNextShard()) return null;
                TarSample t;
                try {
                    t = reader.next();
                } catch (IOException e) {
                    String reason = reader.headersRead() == 0 ? SkipReason.SHARD_UNREADABLE : SkipReason.TRUNCATED_SHARD;
                    skips.skip(reason, current, reason.equals(SkipReason.SHARD_UNREADABLE) ? "whole shard" : "rest of shard", e.getMessage());
                    closeReader();
                    continue;
                }
                if (t == null) {
                    if (reader.headersRead() == 0) {
                        skips.skip(SkipReason.SHARD_UNREADABLE, current, "whole shard", "no tar entries (an empty or 0-byte file)");
                    }
                    closeReader();
                    continue;
                }
                currentGaveSamples = true;
                RawSample s = toRaw(t);
                if (s != null) return s;
            }
        }

        private boolean openNextShard() {
            while (true) {
                String shard;
                if (resampled) {
                    // Guard against spinning forever when no drawn shard yields anything (e.g. all missing).
                    if (barrenDraws > 2 * order.size() + 10) {
                        LOG.error("no samples from the last {} shard draws; ending the epoch", barrenDraws);
                        return false;
                    }
                    shard = draws.draw(rng);
                } else {
                    if (nextShard >= order.size()) return false;
                    shard = order.get(nextShard++);
                }
                try {
                    InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(shard)), 1 << 16);
                    reader = new TarSampleReader(shard, in);
                    current = shard;
                    currentGaveSamples = false;
                    shardsOpened.incrementAndGet();
                    return true;
                } catch (IOException | RuntimeException e) {
                    skips.skip(SkipReason.SHARD_UNREADABLE, shard, "whole shard", e.toString());
                    barrenDraws++;
                }
            }
        }

        private RawSample toRaw(TarSample t) {
            if (!t.oversized().isEmpty()) {
                skips.skip(SkipReason.RECORD_TOO_LARGE, t.shard(), t.key(), String.join("; ", t.oversized()));
                return null;
            }
            byte[] image = null;
            for (String ext : IMAGE_EXTS) {
                image = t.members().get(ext);
                if (image != null) break;
            }
            if (image == null) {
                skips.skip(SkipReason.MISSING_IMAGE, t.shard(), t.key(), "members " + t.members().keySet());
                return null;
            }
            Captions.Result c = Captions.fromMembers(t.members());
            if (c.caption() == null) {
                skips.skip(c.skipReason(), t.shard(), t.key(), c.detail());
                return null;
            }
            return new RawSample(t.shard(), t.key(), image, c.caption());
        }

        private void closeReader() {
            if (reader == null) return;
            barrenDraws = currentGaveSamples ? 0 : barrenDraws + 1;
            try {
                reader.close();
            } catch (IOException e) {
                LOG.debug("closing {}: {}", current, e.toString());
            }
            reader = null;
        }

        @Override
        public void close() {
            closeReader();
        }
    }
}
