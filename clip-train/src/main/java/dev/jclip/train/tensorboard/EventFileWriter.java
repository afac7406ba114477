package dev.jclip.train.tensorboard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * Writes a TensorBoard event file ({@code events.out.tfevents.*}) without TensorFlow: TFRecord framing (length,
 * masked CRC32C of the length, the record, masked CRC32C of the record) around {@code tensorflow.Event} protos
 * encoded by hand ({@link Proto}), following TensorFlow's {@code event.proto}, {@code summary.proto} and
 * {@code histogram.proto}: a {@code file_version} event first, then one event per step with a {@code Summary} of
 * scalar ({@code simple_value}) and histogram ({@code histo}) values. Each step is flushed, so TensorBoard sees a
 * live run. Not thread-safe.
 */
public final class EventFileWriter implements AutoCloseable {
    /** TensorFlow's CRC mask constant ({@code tensorflow/core/lib/hash/crc32c.h}). */
    private static final int MASK_DELTA = 0xa282ead8;
    private static final AtomicInteger FILES = new AtomicInteger();

    // field numbers of event.proto (Event), summary.proto (Summary, Summary.Value) and histogram.proto
    private static final int EVENT_WALL_TIME = 1, EVENT_STEP = 2, EVENT_FILE_VERSION = 3, EVENT_SUMMARY = 5;
    private static final int SUMMARY_VALUE = 1, VALUE_TAG = 1, VALUE_SIMPLE = 2, VALUE_HISTO = 5;
    private static final int HISTO_MIN = 1, HISTO_MAX = 2, HISTO_NUM = 3, HISTO_SUM = 4, HISTO_SUM_SQUARES = 5,
            HISTO_BUCKET_LIMIT = 6, HISTO_BUCKET = 7;

    private final Path file;
    private final OutputStream out;

    /** Creates a new event file in {@code dir}, named as TensorFlow names them, and writes its version event. */
    public EventFileWriter(Path dir) throws IOException {
        Files.createDirectories(dir);
        long now = System.currentTimeMillis();
        this.file = dir.resolve(String.format("events.out.tfevents.%d.jclip.%d.%d", now / 1000, ProcessHandle.current().pid(),
                FILES.getAndIncrement()));
        this.out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        write(new Proto().float64(EVENT_WALL_TIME, now / 1000.0).string(EVENT_FILE_VERSION, "brain.Event:2"));
        out.flush();
    }

    public Path file() {
        return file;
    }

    /** One event at {@code step} with a scalar per entry (tags as given), flushed. */
    public void scalars(long step, Map<String, Double> values) throws IOException {
        Proto summary = new Proto();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            summary.message(SUMMARY_VALUE, new Proto().string(VALUE_TAG, e.getKey()).float32(VALUE_SIMPLE, e.getValue().floatValue()));
        }
        writeSummary(step, summary);
    }

    /**
     * One event at {@code step} with a histogram of {@code values} under {@code tag}: {@code buckets} equal-width
     * buckets from the minimum to the maximum (each {@code bucket_limit} a bucket's right edge), flushed.
     */
    public void histogram(long step, String tag, double[] values, int buckets) throws IOException {
        if (values.length == 0) throw new IllegalArgumentException("histogram of no values");
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, sum = 0, sumSquares = 0;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            sumSquares += v * v;
        }
        int n = max > min ? buckets : 1;
        double[] limits = new double[n];
        double[] counts = new double[n];
        for (int i = 0; i < n; i++) limits[i] = i == n - 1 ? max : min + (max - min) * (i + 1) / n;
        for (double v : values) {
            int b = n == 1 ? 0 : (int) Math.min(n - 1, Math.floor((v - min) / (max - min) * n));
            counts[b]++;
        }
        Proto histo = new Proto().float64(HISTO_MIN, min).float64(HISTO_MAX, max).float64(HISTO_NUM, values.length)
                .float64(HISTO_SUM, sum).float64(HISTO_SUM_SQUARES, sumSquares)
                .packedDoubles(HISTO_BUCKET_LIMIT, limits).packedDoubles(HISTO_BUCKET, counts);
        writeSummary(step, new Proto().message(SUMMARY_VALUE, new Proto().string(VALUE_TAG, tag).message(VALUE_HISTO, histo)));
    }

    private void writeSummary(long step, Proto summary) throws IOException {
        write(new Proto().float64(EVENT_WALL_TIME, System.currentTimeMillis() / 1000.0).varint(EVENT_STEP, step)
                .message(EVENT_SUMMARY, summary));
        out.flush();
    }

    /** One TFRecord: uint64 length, masked CRC32C of those 8 bytes, the data, masked CRC32C of the data. */
    private void write(Proto event) throws IOException {
        byte[] data = event.toByteArray();
        byte[] length = new byte[8];
        for (int i = 0; i < 8; i++) length[i] = (byte) ((long) data.length >>> (8 * i));
        out.write(length);
        writeInt(maskedCrc(length));
        out.write(data);
        writeInt(maskedCrc(data));
    }

    /** TFRecord's checksum: CRC32C rotated right by 15 bits plus {@link #MASK_DELTA}. */
    public static int maskedCrc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    private void writeInt(int v) throws IOException {
        for (int i = 0; i < 4; i++) out.write((v >>> (8 * i)) & 0xFF);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
