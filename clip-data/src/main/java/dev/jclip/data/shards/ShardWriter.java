package dev.jclip.data.shards;

import dev.jclip.core.io.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
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
 * half-written shard.
 * Members get a fixed modification time so equal input gives byte-identical shards. Not thread-safe.
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
        if (out == null) openShard();
        addMember(key + "." + imageExt, image);
        addMember(key + ".txt", caption.getBytes(StandardCharsets.UTF_8));
        if (json != null) addMember(key + ".json", json);
        inShard++;
        if (inShard == samplesPerShard) finishShard();
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
