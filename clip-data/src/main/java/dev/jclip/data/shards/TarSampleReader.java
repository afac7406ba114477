package dev.jclip.data.shards;

import dev.jclip.core.io.Limits;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Streams {@link TarSample}s out of one WebDataset tar shard: members are read one at a time and grouped while
 * consecutive members share a key (WebDataset writes a sample's members next to each other), so only one sample
 * is in memory at a time. Directories and members without an extension are ignored.
 *
 * <p>A member over {@link Limits#RECORD_BYTES} is never read: its bytes are skipped and the sample lists it in
 * {@link TarSample#oversized()}, so one oversized record costs that sample only.
 *
 * <p>A sample is returned only once the next key starts or the archive ends cleanly; when the archive is cut
 * short, {@link #next()} throws and the sample being assembled is lost (as is the rest of the shard).
 */
public final class TarSampleReader implements Closeable {
    private final String shard;
    private final TarArchiveInputStream tar;
    private TarArchiveEntry pendingEntry;
    private boolean finished;
    private long headersRead;

    /** @param shard the shard's name for messages and {@link TarSample#shard()} */
    public TarSampleReader(String shard, InputStream in) {
        this.shard = shard;
        this.tar = new TarArchiveInputStream(in);
    }

    /**
     * The next complete sample, or null at the end of the archive.
     *
     * @throws IOException when the archive is truncated or unreadable (the message names the shard)
     */
    public TarSample next() throws IOException {
        if (finished) return null;
        String key = null;
        Map<String, byte[]> members = new LinkedHashMap<>();
        List<String> oversized = new ArrayList<>();
        while (true) {
            TarArchiveEntry e = pendingEntry != null ? pendingEntry : nextFileEntry();
            pendingEntry = null;
            if (e == null) {
                finished = true;
                return key == null ? null : new TarSample(shard, key, members, List.copyOf(oversized));
            }
            String name = e.getName();
            int slash = name.lastIndexOf('/');
            int dot = name.indexOf('.', slash + 1);
            if (dot < 0 || dot == name.length() - 1 || dot == slash + 1) {
                continue; // no extension, or a hidden file: not part of any sample
            }
            String k = name.substring(0, dot);
            if (key != null && !key.equals(k)) {
                pendingEntry = e; // first member of the next sample
                return new TarSample(shard, key, members, List.copyOf(oversized));
            }
            key = k;
            if (Limits.RECORD_BYTES.exceededBy(e.getSize())) {
                oversized.add(name + ": " + Limits.RECORD_BYTES.explain(e.getSize())); // the next header read skips its bytes
                continue;
            }
            members.put(name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT), readMember(e));
        }
    }

    private TarArchiveEntry nextFileEntry() throws IOException {
        while (true) {
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } catch (IOException | RuntimeException ex) {
                throw new IOException("shard " + shard + ": cannot read tar header: " + ex.getMessage(), ex);
            }
            if (e != null) headersRead++;
            if (e == null || e.isFile()) return e;
        }
    }

    private byte[] readMember(TarArchiveEntry e) throws IOException {
        long size = e.getSize();
        if (size < 0) throw new IOException("shard " + shard + ": member " + e.getName() + " has a negative size " + size);
        byte[] buf = new byte[(int) size];
        int off = 0;
        try {
            while (off < buf.length) {
                int n = tar.read(buf, off, buf.length - off);
                if (n < 0) break;
                off += n;
            }
        } catch (IOException | RuntimeException ex) {
            throw new IOException("shard " + shard + ": truncated in member " + e.getName() + ": " + ex.getMessage(), ex);
        }
        if (off < buf.length) {
            throw new IOException("shard " + shard + ": truncated in member " + e.getName() + " (" + off + " of "
                    + buf.length + " bytes)");
        }
        return buf;
    }

    /** Tar headers read so far: 0 after a failure means the file was never a readable tar. */
    public long headersRead() {
        return headersRead;
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
