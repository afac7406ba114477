package dev.jclip.data.loader;

import dev.jclip.data.shards.RecordTooLargeException;
import dev.jclip.data.shards.ShardWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples listed in a {@link CsvManifest}: each epoch visits every row once, in an order shuffled with
 * (seed, epoch) when shuffling, reading the image file when the row comes up. A missing image file is
 * {@link SkipReason#MISSING_IMAGE}; an unreadable one {@link SkipReason#SHARD_UNREADABLE}.
 */
public final class CsvManifestSource implements SampleSource {
    private static final long ROW_ORDER_SALT = 0x524F5753L;

    private final CsvManifest manifest;

    public CsvManifestSource(CsvManifest manifest) {
        this.manifest = manifest;
    }

    @Override
    public boolean infinite() {
        return false;
    }

    @Override
    public Long knownSize() {
        return (long) manifest.rows().size();
    }

    @Override
    public SampleStream open(long seed, int epoch, boolean shuffle, SkipCounter skips, AtomicLong shardsOpened) {
        List<CsvManifest.Row> order = new ArrayList<>(manifest.rows());
        if (shuffle) Shuffle.shuffle(order, new SplittableRandom(Seeds.mix(seed, epoch, ROW_ORDER_SALT)));
        shardsOpened.incrementAndGet();
        String source = manifest.file().toString();
        return new SampleStream() {
            private int next;

            @Override
            public RawSample next() {
                while (next < order.size()) {
                    CsvManifest.Row row = order.get(next++);
                    String key = row.image() != null ? row.image().toString() : "line " + row.line();
                    if (row.skipReason() != null) {
                        skips.skip(row.skipReason(), source, key + " (line " + row.line() + ")", row.detail());
                        continue;
                    }
                    try {
                        return new RawSample(source, key, ShardWriter.readRecord(row.image()), row.caption());
                    } catch (NoSuchFileException e) {
                        skips.skip(SkipReason.MISSING_IMAGE, source, key + " (line " + row.line() + ")", "no such file");
                    } catch (RecordTooLargeException e) {
                        skips.skip(SkipReason.IMAGE_TOO_LARGE, source, key + " (line " + row.line() + ")", e.getMessage());
                    } catch (IOException | RuntimeException e) {
                        skips.skip(SkipReason.SHARD_UNREADABLE, source, key + " (line " + row.line() + ")", e.toString());
                    }
                }
                return null;
            }

            @Override
            public void close() {
            }
        };
    }
}
