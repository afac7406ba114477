package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * PyTorch's zip checkpoint format ({@code torch.save} since 1.6): reads state dicts, including open_clip training
 * checkpoints ({@code {"state_dict": ..., "epoch": ...}}), and writes a plain state dict that {@code torch.load}
 * reads (also with {@code weights_only=True}).
 */
public final class TorchZip {
    /** Entry (under the archive's top folder) holding the model config JSON; PyTorch ignores it. */
    public static final String CONFIG_ENTRY = "jclip/config.json";

    private TorchZip() {
    }

    /** The model config our writer stores beside data.pkl, or null when the archive has none. */
    public static String readConfigJson(Path file) {
        try (TorchArchive archive = new TorchArchive(file)) {
            return archive.readText(CONFIG_ENTRY);
        }
    }

    /** The state dict's tensors in file order, each in its stored type; open_clip's wrapper is unwrapped. */
    public static Map<String, INDArray> read(Path file) {
        try (TorchArchive archive = new TorchArchive(file)) {
            Map<String, PickleReader.TensorRef> refs = tensorRefs(archive.readDataPickle(false), file);
            return materialize(archive, refs);
        }
    }

    /** Names, element types and shapes (no tensor data is read). */
    public static Map<String, TensorInfo> readInfos(Path file) {
        try (TorchArchive archive = new TorchArchive(file)) {
            Map<String, TensorInfo> out = new LinkedHashMap<>();
            tensorRefs(archive.readDataPickle(false), file).forEach((k, t) -> out.put(k, new TensorInfo(k, t.storage().type(), t.shape())));
            return out;
        }
    }

    /** The tensors of a pickled state dict: a dict of name to tensor, or open_clip's {"state_dict": {...}}. */
    static Map<String, PickleReader.TensorRef> tensorRefs(Object root, Path file) {
        if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> inner) root = inner;
        if (!(root instanceof Map<?, ?> dict)) {
            throw new CheckpointException(file + ": the pickle holds " + (root == null ? "None" : root.getClass().getSimpleName())
                    + ", not a state dict");
        }
        Map<String, PickleReader.TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getValue() instanceof PickleReader.TensorRef t) {
                if (!(e.getKey() instanceof String k)) throw new CheckpointException(file + ": state dict key " + e.getKey() + " is not a string");
                out.put(k, t);
            }
        }
        if (out.isEmpty()) throw new CheckpointException(file + ": the checkpoint holds no tensors");
        return out;
    }

    /** Reads the tensors; a storage used by one tensor only is handed over without a copy. */
    static Map<String, INDArray> materialize(TorchArchive archive, Map<String, PickleReader.TensorRef> refs) {
        refs.forEach(archive::checkInBounds); // each view inside its storage, then all views together bounded
        checkViewExpansion(refs, archive.file());
        Map<String, Integer> uses = new HashMap<>();
        for (PickleReader.TensorRef t : refs.values()) uses.merge(t.storage().key(), 1, Integer::sum);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, PickleReader.TensorRef> e : refs.entrySet()) {
            boolean exclusive = uses.get(e.getValue().storage().key()) == 1;
            out.put(e.getKey(), archive.materialize(e.getKey(), e.getValue(), exclusive));
        }
        archive.releaseStorages();
        return out;
    }

    /**
     * The tensors may add up to at most {@link Limits#VIEW_EXPANSION} times the elements of the storages they
     * view, checked before anything is allocated: a few bytes of pickle can otherwise describe broadcast
     * (stride-0) or overlapping views that copy one small storage into gigabytes.
     */
    static void checkViewExpansion(Map<String, PickleReader.TensorRef> refs, Path file) {
        Map<String, Long> stored = new HashMap<>();
        long viewed = 0;
        for (Map.Entry<String, PickleReader.TensorRef> e : refs.entrySet()) {
            PickleReader.StorageRef s = e.getValue().storage();
            stored.put(s.key(), s.numel());
            try {
                viewed = Math.addExact(viewed, TensorBytes.numel(e.getValue().shape()));
            } catch (RuntimeException ex) {
                throw new CheckpointException(file + ": tensor '" + e.getKey() + "' has a bad size "
                        + java.util.Arrays.toString(e.getValue().shape()));
            }
        }
        long storedTotal = stored.values().stream().mapToLong(Long::longValue).sum();
        long ratio = viewed == 0 ? 0 : storedTotal == 0 ? Long.MAX_VALUE : (viewed + storedTotal - 1) / storedTotal;
        if (Limits.VIEW_EXPANSION.exceededBy(ratio)) {
            throw new CheckpointException(file + ": reading tensors: they add up to " + viewed + " elements viewing "
                    + storedTotal + " stored ones (overlapping or broadcast views): " + Limits.VIEW_EXPANSION.explain(ratio));
        }
    }

    /**
     * Writes {@code tensors} as {@code torch.save(OrderedDict)} would: {@code archive/data.pkl} (protocol 2),
     * one storage per tensor in {@code archive/data/N} (stored, 64-byte aligned), {@code byteorder} and
     * {@code version}. The file appears under its final name only once complete.
     */
    public static void write(Map<String, INDArray> tensors, Path file) {
        write(tensors, null, file);
    }

    /**
     * As {@link #write(Map, Path)}, with the model config JSON (may be null) in the entry
     * {@code archive/}{@value #CONFIG_ENTRY}, which {@code torch.load} ignores and {@link #readConfigJson} reads:
     * loading the file back then builds the same model (head counts cannot be inferred from the weights).
     */
    public static void write(Map<String, INDArray> tensors, String configJson, Path file) {
        String top = "archive/";
        byte[] pickle = statePickle(tensors);
        try {
            AtomicFile.write(file, tmp -> {
                CountingStream counter = new CountingStream(Files.newOutputStream(tmp));
                try (ZipOutputStream zip = new ZipOutputStream(counter)) {
                    zip.setMethod(ZipOutputStream.STORED);
                    putEntry(zip, counter, top + "data.pkl", pickle);
                    putEntry(zip, counter, top + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                    if (configJson != null) putEntry(zip, counter, top + CONFIG_ENTRY, configJson.getBytes(StandardCharsets.UTF_8));
                    int i = 0;
                    for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                        putTensor(zip, counter, top + "data/" + i++, e.getValue());
                    }
                    putEntry(zip, counter, top + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
                    putEntry(zip, counter, top + ".data/version", "3\n".getBytes(StandardCharsets.US_ASCII));
                }
            });
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** data.pkl: OrderedDict of name -> torch._utils._rebuild_tensor_v2(persistent storage, 0, size, stride, False, OrderedDict()). */
    private static byte[] statePickle(Map<String, INDArray> tensors) {
        PickleWriter p = new PickleWriter();
        p.proto(2);
        p.global("collections", "OrderedDict");
        p.emptyTuple();
        p.reduce();
        p.mark();
        int i = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            TensorType type = TensorType.of(a.dataType());
            p.string(e.getKey());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.mark();
            p.mark();
            p.string("storage");
            p.global("torch", type.torchStorage());
            p.string(Integer.toString(i++));
            p.string("cpu");
            p.integer(a.length());
            p.tuple();
            p.persistentId();
            p.integer(0);
            p.longTuple(a.shape());
            p.longTuple(TorchArchive.contiguousStrides(a.shape()));
            p.bool(false);
            p.global("collections", "OrderedDict");
            p.emptyTuple();
            p.reduce();
            p.tuple();
            p.reduce();
        }
        p.setItems();
        p.stop();
        return p.toByteArray();
    }

    private static void putEntry(ZipOutputStream zip, CountingStream counter, String name, byte[] data) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(data);
        ZipEntry e = alignedEntry(name, data.length, crc.getValue(), counter.count);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static void putTensor(ZipOutputStream zip, CountingStream counter, String name, INDArray a) throws IOException {
        CRC32 crc = new CRC32();
        TensorBytes.write(a, new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                crc.update(src);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        });
        zip.putNextEntry(alignedEntry(name, TensorBytes.byteSize(a), crc.getValue(), counter.count));
        TensorBytes.write(a, Channels.newChannel(zip));
        zip.closeEntry();
    }

    /**
     * A stored entry whose data starts on a 64-byte boundary, as torch's writer aligns storages (so readers
     * may memory-map them): padding goes in an extra field of the local header (30 bytes + name + extra).
     */
    private static ZipEntry alignedEntry(String name, long size, long crc, long headerOffset) {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc);
        e.setTime(315532800000L + 86400000L); // fixed DOS time: output depends on the tensors only
        int nameLen = name.getBytes(StandardCharsets.UTF_8).length;
        long dataStart = headerOffset + 30 + nameLen + 4;
        int pad = (int) ((64 - dataStart % 64) % 64);
        ByteBuffer extra = ByteBuffer.allocate(4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        extra.putShort((short) 0x4246).putShort((short) pad); // 'FB', the id torch uses for its padding
        e.setExtra(extra.array());
        return e;
    }

    /** Counts bytes written so entries can be aligned; closing it leaves the file channel open for the caller. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** The few pickle opcodes a state dict needs (protocol 2). */
    private static final class PickleWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void proto(int v) {
            out.write(0x80);
            out.write(v);
        }

        void global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        void mark() {
            out.write('(');
        }

        void tuple() {
            out.write('t');
        }

        void emptyTuple() {
            out.write(')');
        }

        void reduce() {
            out.write('R');
        }

        void setItems() {
            out.write('u');
        }

        void persistentId() {
            out.write('Q');
        }

        void stop() {
            out.write('.');
        }

        void bool(boolean b) {
            out.write(b ? 0x88 : 0x89);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
        }

        void integer(long v) {
            if (v >= 0 && v < 256) {
                out.write('K');
                out.write((int) v);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                out.write('J');
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            } else {
                out.write(0x8a); // LONG1, 8 bytes little-endian two's complement
                out.write(8);
                out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            }
        }

        void longTuple(long[] values) {
            mark();
            for (long v : values) integer(v);
            tuple();
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
