package dev.jclip.data.loader;

import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.image.ImageTooLargeException;
import dev.jclip.data.image.RgbImage;
import dev.jclip.data.text.CaptionTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one epoch of batches, prepared on background threads so the trainer does not wait:
 *
 * <ol>
 *   <li>a reader thread pulls the epoch's raw samples from the {@link SampleSource} (shard order shuffled with
 *       (seed, epoch)), passes them through a seeded {@link ShuffleBuffer}, numbers them, and hands each to
 *       the worker pool, queueing its future in that order (the bounded queue is the back-pressure);</li>
 *   <li>{@code workers} threads decode, crop, normalise and tokenize samples in parallel;</li>
 *   <li>an assembler thread takes the futures in sequence order, drops failures (counting them), packs B good
 *       samples into a {@link Batch} (creating its INDArrays there, off the training thread), and puts it in a
 *       queue of {@code prefetchBatches};</li>
 *   <li>{@link #next()} takes from that queue, adding the time it blocked to {@link #dataWaitNanos()}.</li>
 * </ol>
 * The batches therefore depend only on the data, the seed and the epoch, never on timing, nor on the number of
 * workers, except for a resampled source: there, as in open_clip, each worker draws its own shard sequence
 * ({@link ShardSlot}, {@link ResampledShards}) and the reader interleaves them. A training sample's random crop uses a generator seeded from (seed, epoch, sequence number).
 * Skips are counted when the assembler reaches the sample, so counts are identical for identical runs.
 *
 * <p>Resuming: {@link Batch#next()} records the epoch, batches delivered and raw samples used; opening a
 * loader there replays the same stream, skips that many raw samples without decoding them, and continues.
 *
 * <p>The INDArrays are created on the assembler thread outside any workspace (detached), so the consumer can
 * keep or release them freely. {@link #close()} stops all threads; the loader also closes itself at the end of
 * the epoch's stream.
 */
public final class DataLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);
    private static final long SAMPLE_SHUFFLE_SALT = 0x53414D504CL;
    private static final long CROP_SALT = 0x43524F50L;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Marks the end of the sample stream in the futures queue. */
    private static final Future<Decoded> END_OF_SAMPLES = CompletableFuture.completedFuture(null);
    /** Marks the end of the epoch in the batch queue. */
    /** Put in the queue after the epoch's last batch (or after a failure). */
    private static final Object END_OF_EPOCH = new Object();

    private final SampleSource source;
    private final CaptionTokenizer tokenizer;
    private final LoaderConfig config;
    private final LoaderPosition start;
    private final ClipImageTransform transform;
    private final SkipCounter skips = new SkipCounter();
    private final AtomicLong shardsOpened = new AtomicLong();
    private final AtomicLong samplesDelivered = new AtomicLong();
    private final BlockingQueue<Future<Decoded>> inFlight;
    private final BlockingQueue<Object> ready;
    private final ExecutorService workers;
    private final Thread reader;
    private final Thread assembler;
    private volatile Throwable failure;
    private volatile boolean closed;
    private boolean ended;
    private long dataWaitNanos;
    private long lastWaitNanos;
    private LoaderPosition position;

    /** The decoded form of a sample, or why it failed. */
    private record Decoded(long seq, RawSample raw, float[] pixels, int[] tokens, int width, int height,
                           String skipReason, String detail) {
    }

    private DataLoader(SampleSource source, CaptionTokenizer tokenizer, LoaderConfig config, LoaderPosition start) {
        if (source.infinite() && config.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException("a resampled source never ends: set batchesPerEpoch");
        }
        this.source = source;
        this.tokenizer = tokenizer;
        this.config = config;
        this.start = start;
        this.position = start;
        this.transform = new ClipImageTransform(config.preprocessConfig(), config.augmentation());
        this.inFlight = new ArrayBlockingQueue<>(config.samplesInFlight());
        this.ready = new ArrayBlockingQueue<>(config.prefetchBatches() + 1);
        int id = INSTANCES.incrementAndGet();
        this.workers = Executors.newFixedThreadPool(config.workers(), daemonThreads("jclip-data-" + id + "-worker"));
        this.reader = new Thread(this::readLoop, "jclip-data-" + id + "-reader");
        this.assembler = new Thread(this::assembleLoop, "jclip-data-" + id + "-assembler");
        reader.setDaemon(true);
        assembler.setDaemon(true);
    }

    /**
     * Starts loading from {@code start} (use {@link LoaderPosition#start(int)} for a fresh epoch).
     *
     * @param tokenizer shared by the workers; must be thread-safe
     */
    public static DataLoader open(SampleSource source, CaptionTokenizer tokenizer, LoaderConfig config, LoaderPosition start) {
        DataLoader l = new DataLoader(source, tokenizer, config, start);
        l.reader.start();
        l.assembler.start();
        return l;
    }

    /**
     * The next batch, blocking until it is ready; null when the epoch is over.
     *
     * @throws IllegalStateException when a loader thread failed unexpectedly (a bug, not bad data)
     */
    public Batch next() {
        if (ended) return null;
        if (closed) throw new IllegalStateException("DataLoader is closed");
        long t0 = System.nanoTime();
        Object item;
        try {
            item = ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for data", e);
        }
        lastWaitNanos = System.nanoTime() - t0;
        dataWaitNanos += lastWaitNanos;
        if (item == END_OF_EPOCH) {
            ended = true;
            Throwable f = failure;
            close();
            if (f != null) throw new IllegalStateException("data loader failed: " + f, f);
            return null;
        }
        Batch b = (Batch) item;
        position = b.next();
        samplesDelivered.addAndGet(b.size());
        return b;
    }

    /** The position after the last batch returned (the start position before any). */
    public LoaderPosition position() {
        return position;
    }

    /** Total time {@link #next()} spent waiting for data, in nanoseconds. */
    public long dataWaitNanos() {
        return dataWaitNanos;
    }

    /** Time the last {@link #next()} call waited, in nanoseconds. */
    public long lastWaitNanos() {
        return lastWaitNanos;
    }

    /** Skipped samples by reason. */
    public SkipCounter skips() {
        return skips;
    }

    /** Shards (or manifests) opened so far. */
    public long shardsOpened() {
        return shardsOpened.get();
    }

    /** Good samples delivered in batches so far. */
    public long samplesDelivered() {
        return samplesDelivered.get();
    }

    public LoaderConfig config() {
        return config;
    }

    // ---- reader thread -------------------------------------------------------------------------------

    private void readLoop() {
        boolean shuffle = config.train();
        List<ShardSlot> readers = new ArrayList<>();
        for (int w = 0; w < config.workers(); w++) readers.add(config.reader(w));
        try (SampleStream raw = source.open(config.seed(), start.epoch(), shuffle, readers, skips, shardsOpened);
             SampleStream stream = shuffle && config.shuffleBuffer() > 1
                     ? new ShuffleBuffer(raw, config.shuffleBuffer(), new SplittableRandom(Seeds.mix(config.seed(), start.epoch(), SAMPLE_SHUFFLE_SALT)))
                     : raw) {
            long seq = 0;
            for (; seq < start.rawSamples(); seq++) {
                if (stream.next() == null) break; // fast-forward on resume: read, don't decode
            }
            while (!closed) {
                RawSample s = stream.next();
                if (s == null) break;
                final long n = seq++;
                inFlight.put(workers.submit(() -> decode(n, s)));
            }
        } catch (InterruptedException e) {
            return; // closing
        } catch (Throwable t) {
            if (closed) return; // e.g. the pool refusing work while shutting down
            failure = t;
            LOG.error("data reader failed", t);
        }
        try {
            inFlight.put(END_OF_SAMPLES);
        } catch (InterruptedException ignored) {
            // closing
        }
    }

    // ---- worker threads ------------------------------------------------------------------------------

    private Decoded decode(long seq, RawSample s) {
        try {
            return decodeOrFail(seq, s);
        } catch (OutOfMemoryError e) { // never kills the loader, and is "too large", not "corrupt"
            return failed(seq, s, SkipReason.IMAGE_TOO_LARGE, "out of heap while preparing the sample: " + e.getMessage());
        }
    }

    private Decoded decodeOrFail(long seq, RawSample s) {
        RgbImage img;
        try {
            img = transform.decode(s.image());
        } catch (ImageTooLargeException e) {
            return failed(seq, s, SkipReason.IMAGE_TOO_LARGE, e.getMessage());
        } catch (ImageDecodeException e) {
            return failed(seq, s, e.unsupported() ? SkipReason.UNSUPPORTED_IMAGE : SkipReason.CORRUPT_IMAGE, e.getMessage());
        } catch (RuntimeException e) {
            return failed(seq, s, SkipReason.CORRUPT_IMAGE, e.toString());
        }
        float[] pixels = new float[transform.floatsPerImage()];
        try {
            if (config.train()) {
                transform.trainInto(img, new SplittableRandom(Seeds.mix(config.seed(), start.epoch(), seq, CROP_SALT)), pixels, 0);
            } else {
                transform.evalInto(img, pixels, 0);
            }
        } catch (RuntimeException e) {
            return failed(seq, s, SkipReason.CORRUPT_IMAGE, "preprocessing failed: " + e);
        }
        int[] tokens;
        try {
            tokens = tokenizer.tokenize(s.caption(), config.contextLength(), true);
            if (tokens.length != config.contextLength()) {
                return failed(seq, s, SkipReason.TOKENIZE_FAILED, "tokenizer returned " + tokens.length + " ids, expected " + config.contextLength());
            }
        } catch (RuntimeException e) {
            return failed(seq, s, SkipReason.TOKENIZE_FAILED, e.toString());
        }
        return new Decoded(seq, s, pixels, tokens, img.width(), img.height(), null, null);
    }

    private static Decoded failed(long seq, RawSample s, String reason, String detail) {
        return new Decoded(seq, s, null, null, 0, 0, reason, detail);
    }

    // ---- assembler thread ----------------------------------------------------------------------------

    private void assembleLoop() {
        int b = config.batchSize();
        List<Decoded> pending = new ArrayList<>(b);
        long batchIndex = start.batches();
        long limit = config.batchesPerEpoch() == 0 ? Long.MAX_VALUE : config.batchesPerEpoch();
        try {
            while (batchIndex < limit) {
                Future<Decoded> f = inFlight.take();
                if (f == END_OF_SAMPLES) break;
                Decoded d = f.get();
                if (d.skipReason() != null) {
                    skips.skip(d.skipReason(), d.raw().source(), d.raw().key(), d.detail());
                    continue;
                }
                pending.add(d);
                if (pending.size() == b) {
                    ready.put(toBatch(pending, batchIndex++, d.seq() + 1));
                    pending.clear();
                }
            }
            if (!pending.isEmpty() && !config.dropLast() && batchIndex < limit) {
                ready.put(toBatch(pending, batchIndex, pending.get(pending.size() - 1).seq() + 1));
            }
        } catch (InterruptedException e) {
            return; // closing
        } catch (Throwable t) {
            if (closed) return;
            failure = t;
            LOG.error("data assembler failed", t);
        }
        try {
            ready.put(END_OF_EPOCH);
        } catch (InterruptedException ignored) {
            // closing
        }
    }

    private Batch toBatch(List<Decoded> samples, long index, long rawUsed) {
        int n = samples.size();
        int s = config.imageSize();
        int t = config.contextLength();
        int per = transform.floatsPerImage();
        float[] pixels = new float[n * per];
        int[] tokens = new int[n * t];
        List<String> keys = new ArrayList<>(n);
        List<String> captions = new ArrayList<>(n);
        int[] widths = new int[n];
        int[] heights = new int[n];
        for (int i = 0; i < n; i++) {
            Decoded d = samples.get(i);
            System.arraycopy(d.pixels(), 0, pixels, i * per, per);
            System.arraycopy(d.tokens(), 0, tokens, i * t, t);
            keys.add(d.raw().key());
            captions.add(d.raw().caption());
            widths[i] = d.width();
            heights[i] = d.height();
        }
        return new Batch(
                Nd4j.create(pixels, new long[] {n, 3, s, s}, DataType.FLOAT),
                Nd4j.create(tokens, new long[] {n, t}, DataType.INT),
                List.copyOf(keys), List.copyOf(captions), widths, heights, index,
                new LoaderPosition(start.epoch(), index + 1, rawUsed));
    }

    // ---- shutdown ------------------------------------------------------------------------------------

    /** Stops the reader, workers and assembler and waits briefly for them; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        reader.interrupt();
        assembler.interrupt();
        workers.shutdownNow();
        try {
            reader.join(5000);
            assembler.join(5000);
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) LOG.warn("data workers did not stop within 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread th = new Thread(r, prefix + "-" + n.incrementAndGet());
            th.setDaemon(true);
            return th;
        };
    }
}
