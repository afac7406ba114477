package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A PyTorch zip archive as {@code torch.save} and {@code torch.jit.save} write it: {@code <top>/data.pkl}, storages
 * in {@code <top>/data/<key>}, a {@code byteorder} entry (little-endian when absent) and, for TorchScript,
 * {@code constants.pkl} and {@code code/}. Storages are streamed from the zip one at a time into native memory.
 */
final class TorchArchive implements Closeable {
    /** Deflate's largest expansion (1032:1 plus a header): an entry claiming more than that is lying. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, INDArray> storageCache = new HashMap<>();

    TorchArchive(Path file) {
        this.file = file;
        try {
            this.zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a readable zip archive: " + e.getMessage(), e);
        }
        try {
            this.prefix = findPrefix();
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String o = new String(readSmall(order), StandardCharsets.US_ASCII).trim();
                if (!o.equals("little")) throw new CheckpointException(file + ": byteorder '" + o + "' is not supported");
            }
        } catch (RuntimeException e) {
            throw Closeables.closeAfter(e, zip);
        }
    }

    /** The folder holding data.pkl, e.g. {@code "model/"} or {@code "archive/"}. */
    private String findPrefix() {
        Enumeration<? extends ZipEntry> en = zip.entries();
        String best = null;
        while (en.hasMoreElements()) {
            String name = en.nextElement().getName();
            if (name.endsWith("data.pkl")) {
                String p = name.substring(0, name.length() - "data.pkl".length());
                if (p.isEmpty() || p.indexOf('/') == p.length() - 1) {
                    if (best == null || p.length() < best.length()) best = p;
                }
            }
        }
        if (best == null) throw new CheckpointException(file + ": zip archive without data.pkl: not a PyTorch checkpoint");
        return best;
    }

    /** True when the archive is TorchScript (has constants.pkl or code/ beside data.pkl). */
    boolean isTorchScript() {
        if (zip.getEntry(prefix + "constants.pkl") != null) return true;
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) if (en.nextElement().getName().startsWith(prefix + "code/")) return true;
        return false;
    }

    /** All entry names (for detection and diagnostics). */
    List<String> entryNames() {
        List<String> out = new ArrayList<>();
        zip.stream().forEach(e -> out.add(e.getName()));
        return out;
    }

    /** Unpickles data.pkl with the restricted reader. */
    Object readDataPickle(boolean scriptObjects) {
        ZipEntry e = zip.getEntry(prefix + "data.pkl");
        return new PickleReader(readSmall(e), file + "!" + e.getName(), scriptObjects).load();
    }

    /** The text of an entry relative to the archive's top folder, or null when absent. */
    String readText(String relative) {
        ZipEntry e = zip.getEntry(prefix + relative);
        return e == null ? null : new String(readSmall(e), StandardCharsets.UTF_8);
    }

    /** Names of entries under {@code <top>/<folder>}, relative to the top folder. */
    List<String> list(String folder) {
        List<String> out = new ArrayList<>();
        zip.stream().map(ZipEntry::getName).filter(n -> n.startsWith(prefix + folder))
                .forEach(n -> out.add(n.substring(prefix.length())));
        return out;
    }

    /**
     * A pickle or text entry, read whole. Its declared size is checked against {@link Limits#PICKLE_BYTES}, and
     * the read stops at that size whatever the entry really inflates to: a compressed entry whose declared size
     * lies cannot make us read more.
     */
    private byte[] readSmall(ZipEntry e) {
        long limit = Limits.PICKLE_BYTES.get();
        String where = file + "!" + e.getName();
        if (e.getSize() > limit) throw new CheckpointException(where + ": reading it: " + Limits.PICKLE_BYTES.explain(e.getSize()));
        checkDeclaredSize(e);
        try (InputStream in = zip.getInputStream(e)) {
            byte[] data = in.readNBytes((int) Math.min(limit, e.getSize()) + 1);
            if (data.length > e.getSize()) {
                throw new CheckpointException(where + ": reading it: holds more than the " + e.getSize() + " bytes its zip entry declares");
            }
            return data;
        } catch (IOException ex) {
            throw new CheckpointException(where + ": reading it: " + ex.getMessage(), ex);
        }
    }

    /**
     * The zip entry's declared sizes must be possible for this file: the compressed bytes inside it, and a
     * stored entry as long as its compressed form, a deflated one at most {@value #MAX_DEFLATE_RATIO} times it.
     * Sizes are only trusted (to allocate) once they pass.
     */
    private void checkDeclaredSize(ZipEntry e) {
        long size = e.getSize();
        long packed = e.getCompressedSize();
        long fileLength = file.toFile().length();
        boolean possible = size >= 0 && packed >= 0 && packed <= fileLength
                && (e.getMethod() == ZipEntry.STORED ? size == packed : size <= packed * MAX_DEFLATE_RATIO + 1024);
        if (!possible) {
            throw new CheckpointException(file + "!" + e.getName() + ": zip entry declares " + size + " bytes ("
                    + packed + " compressed) in a file of " + fileLength + " bytes: corrupt or crafted");
        }
    }

    /**
     * The tensor's values as a new C-order array that owns its memory. {@code key} names it in errors.
     * A tensor that is the whole of a storage no other tensor uses is returned without a copy when
     * {@code exclusive} is set.
     */
    INDArray materialize(String key, PickleReader.TensorRef t, boolean exclusive) {
        PickleReader.StorageRef s = t.storage();
        long n;
        try {
            n = TensorBytes.numel(t.shape());
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": tensor '" + key + "' has a bad size " + Arrays.toString(t.shape()));
        }
        if (n == 0) return Nd4j.create(s.type().nd4j(), t.shape());
        checkInBounds(key, t);
        INDArray storage = storage(key, s);
        boolean contiguous = Arrays.equals(stripUnit(t.shape(), t.stride()), stripUnit(t.shape(), contiguousStrides(t.shape())));
        if (contiguous) {
            if (exclusive && t.offset() == 0 && n == s.numel()) {
                storageCache.remove(s.key());
                return storage.reshape('c', t.shape());
            }
            INDArray slice = storage.get(NDArrayIndex.interval(t.offset(), t.offset() + n));
            return slice.dup('c').reshape('c', t.shape());
        }
        INDArray view = Nd4j.create(storage.data(), t.shape(), t.stride(), t.offset(), 'c', s.type().nd4j());
        return view.dup('c');
    }

    /** Forgets cached storages (call once the tensors that share them are materialised). */
    void releaseStorages() {
        storageCache.clear();
    }

    /** The view must lie inside its storage (an empty tensor views nothing). */
    void checkInBounds(String key, PickleReader.TensorRef t) {
        PickleReader.StorageRef s = t.storage();
        try {
            if (TensorBytes.numel(t.shape()) == 0) return;
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": tensor '" + key + "' has a bad size " + Arrays.toString(t.shape()));
        }
        long last = t.offset();
        boolean overflow = false;
        for (int i = 0; i < t.shape().length; i++) {
            if (t.stride()[i] < 0) throw new CheckpointException(file + ": tensor '" + key + "' has a negative stride");
            try {
                last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
            } catch (ArithmeticException e) {
                overflow = true;
            }
        }
        if (overflow || t.offset() < 0 || last >= s.numel()) {
            throw new CheckpointException(file + ": tensor '" + key + "' (size " + Arrays.toString(t.shape()) + ", stride "
                    + Arrays.toString(t.stride()) + ", offset " + t.offset() + ") reaches past storage '" + s.key()
                    + "' of " + s.numel() + " elements");
        }
    }

    private INDArray storage(String key, PickleReader.StorageRef s) {
        INDArray cached = storageCache.get(s.key());
        if (cached != null) return cached;
        ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
        if (e == null) throw new CheckpointException(file + ": tensor '" + key + "': storage entry data/" + s.key() + " is missing");
        long expected = s.numel() > Long.MAX_VALUE / s.type().bytes() ? Long.MAX_VALUE : s.numel() * s.type().bytes();
        if (e.getSize() < expected) { // also when the size is unknown (-1): never trust numel alone
            throw new CheckpointException(file + ": storage data/" + s.key() + " has " + e.getSize() + " bytes, "
                    + s.type() + "[" + s.numel() + "] needs " + expected);
        }
        checkDeclaredSize(e);
        try (InputStream in = zip.getInputStream(e)) {
            INDArray a = TensorBytes.fromChannel(Channels.newChannel(in), s.type(), new long[]{s.numel()});
            storageCache.put(s.key(), a);
            return a;
        } catch (IOException ex) {
            throw new CheckpointException(file + ": cannot read storage data/" + s.key() + " for '" + key + "': " + ex.getMessage(), ex);
        }
    }

    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** Strides of dimensions longer than 1 (a unit dimension's stride never matters). */
    private static long[] stripUnit(long[] shape, long[] stride) {
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> shape[i] != 1).mapToLong(i -> stride[i]).toArray();
    }

    Path file() {
        return file;
    }

    @Override
    public void close() {
        storageCache.clear();
        try {
            zip.close();
        } catch (IOException ignored) {
            // a read-only archive: nothing was written that closing could lose
        }
    }
}
