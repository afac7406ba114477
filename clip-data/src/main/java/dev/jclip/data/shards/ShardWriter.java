package dev.jclip.data.shards;

import dev.jclip.core.io.AtomicFile;
import java.io.BufferedOutputStream;
import dev.jclip.core.io.Limits;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes WebDataset tar shards the way img2dataset lays them out: {@code {prefix}-00000.tar},
 * {@code {prefix}-00001.tar}, ... each holding up to {@code samplesPerShard} samples as {@code key.jpg|png},
 * {@code key.txt} and optionally {@code key.json}, plus {@code sizes.json} on {@link #close()}. Each shard is
 * written to a temporary file beside it and renamed when complete ({@link AtomicFile}), so readers never see a
 * half-written shard. Members get a fixed modification time so equal input gives byte-identical shards. A sample
 * with a member the reader would skip (over {@link Limits#RECORD_BYTES}) is refused whole with
 * {@link RecordTooLargeException} before anything of it is written, so the shard stays good. Not thread-safe.
 */
public final class ShardWriter implements Closeable {
    private static final Set<String> IMAGE_EXTS = Set.of("jpg", "jpeg", "png", "webp", "bmp");
    private static final long FIXED_MTIME_MS = 946684800000L; // 2000-01-01T00:00:00Z

    private final Path dir;
    private final String prefix;
    private final int samplesPerShard;
    private final Map<String, Integer> sizes = new LinkedHashMap<>();
    private final List<Path> written = new ArrayList<>();
    private TarArchiveOutputStream out;
    private Path tmp;
    private Path target;
    private int inShard;
    private boolean closed;

    /**
     * @param dir             output folder (created when missing)
     * @param prefix          shard file name prefix, e.g. {@code "shard"}
     * @param samplesPerShard samples per shard (the last shard may hold fewer)
     */
    public ShardWriter(Path dir, String prefix, int samplesPerShard) throws IOException {
        if (samplesPerShard <= 0) throw new IllegalArgumentException("samplesPerShard must be positive, got " + samplesPerShard);
        if (prefix.isEmpty() || prefix.contains("/")) throw new IllegalArgumentException("bad shard prefix '" + prefix + "'");
        this.dir = dir;
        this.prefix = prefix;
        this.samplesPerShard = samplesPerShard;
        Files.createDirectories(dir);
    }

    /**
     * Adds one sample.
     *
     * @param key      sample key: no dots, no leading or trailing slash (it becomes the member names' stem)
     * @param imageExt {@code jpg}, {@code jpeg}, {@code png}, {@code webp} or {@code bmp}
     * @param caption  written as {@code key.txt} in UTF-8
     * @param json     optional {@code key.json} content (already serialised), or null
     */
    public void write(String key, String imageExt, byte[] image, String caption, byte[] json) throws IOException {
        if (closed) throw new IllegalStateException("ShardWriter is closed");
        if (key.isEmpty() || key.contains(".") || key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("bad sample key '" + key + "': no dots, no leading/trailing slash");
        }
        if (!IMAGE_EXTS.contains(imageExt)) throw new IllegalArgumentException("unsupported image extension '" + imageExt + "' for key " + key);
        byte[] text = caption.getBytes(StandardCharsets.UTF_8);
        // The reader skips members over the limit: refuse the sample whole, before any of it is written.
        checkRecord(key + "." + imageExt, image.length);
        checkRecord(key + ".txt", text.length);
        if (json != null) checkRecord(key + ".json", json.length);
        if (out == null) openShard();
        addMember(key + "." + imageExt, image);
        addMember(key + ".txt", text);
        if (json != null) addMember(key + ".json", json);
        inShard++;
        if (inShard == samplesPerShard) finishShard();
    }

    private static void checkRecord(String member, long size) throws RecordTooLargeException {
        if (Limits.RECORD_BYTES.exceededBy(size)) {
            throw new RecordTooLargeException("member " + member + ": " + Limits.RECORD_BYTES.explain(size));
        }
    }

    /**
     * A file's bytes for a shard record: refused as {@link RecordTooLargeException} (naming the file) when over
     * {@link Limits#RECORD_BYTES}, checked against its length before reading and again while reading (a file
     * that grows meanwhile is still bounded). Makes an input over 2 GiB a skipped record, not an abort.
     */
    public static byte[] readRecord(Path file) throws IOException {
        long limit = Limits.RECORD_BYTES.get();
        long size = Files.size(file);
        if (size > limit) throw new RecordTooLargeException(file + ": " + Limits.RECORD_BYTES.explain(size));
        try (InputStream in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (data.length > limit) throw new RecordTooLargeException(file + ": " + Limits.RECORD_BYTES.explain(data.length));
            return data;
        }
    }

    private void openShard() throws IOException {
        String name = String.format("%s-%05d.tar", prefix, sizes.size());
        target = dir.resolve(name);
        tmp = AtomicFile.temporaryFor(target);
        OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
        out = new TarArchiveOutputStream(os);
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        inShard = 0;
    }

    private void addMember(String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setModTime(FIXED_MTIME_MS);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
    }

    private void finishShard() throws IOException {
        out.finish();
        out.close();
        out = null;
        AtomicFile.commit(tmp, target);
        sizes.put(target.getFileName().toString(), inShard);
        written.add(target);
    }

    /** Shards completed so far, in order. */
    public List<Path> shards() {
        return Collections.unmodifiableList(written);
    }

    /** Completes the last shard and writes {@code sizes.json}. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        if (out != null) finishShard();
        ShardSizes.write(dir, sizes);
    }
}
