package dev.jclip.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the end of the header) plus an
 * optional {@code "__metadata__"} string map, then the raw little-endian tensor bytes.
 * <p>
 * The header is checked before any tensor is touched: known dtype, non-negative shape, byte size equal to
 * elements times element size, offsets inside the file and no two tensors overlapping. Tensors are read one at a
 * time through a memory map of their own byte range, so a large file never sits on the Java heap.
 * Our writer puts the model config JSON in the metadata under {@link #CONFIG_KEY}.
 */
public final class SafeTensors {
    /** Metadata key holding the model config JSON. */
    public static final String CONFIG_KEY = "config";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensors() {
    }

    /** One tensor's header entry; {@code begin}/{@code end} are byte offsets into the data section. */
    public record Entry(String name, TensorType type, long[] shape, long begin, long end) {
        public long numel() {
            return TensorBytes.numel(shape);
        }
    }

    /** Reads every tensor in its stored type. */
    public static Map<String, INDArray> read(Path file) {
        try (Reader r = open(file)) {
            return r.readAll(null);
        }
    }

    /** Opens a file and validates its header; tensors are read on demand. */
    public static Reader open(Path file) {
        return new Reader(file);
    }

    /** An open safetensors file with a validated header. */
    public static final class Reader implements Closeable {
        private final Path file;
        private final FileChannel channel;
        private final long dataStart;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Reader(Path file) {
            this.file = file;
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new CheckpointException("cannot open " + file + ": " + e.getMessage(), e);
            }
            try {
                dataStart = parseHeader();
            } catch (RuntimeException e) {
                throw Closeables.closeAfter(e, channel);
            }
        }

        /**
         * Streams the header straight from the file (never the whole text, nor a JSON tree, in memory), so its
         * memory is bounded by {@link Limits#SAFETENSORS_TENSORS} entries, not by the header's length.
         */
        private long parseHeader() {
            try {
                long size = channel.size();
                if (size < 8) throw error("file is " + size + " bytes, shorter than the 8-byte header length");
                ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(lenBuf, 0);
                long headerLen = lenBuf.getLong(0);
                long maxHeader = Limits.SAFETENSORS_HEADER_BYTES.get();
                if (headerLen < 2 || headerLen > size - 8) {
                    throw error("header length " + Long.toUnsignedString(headerLen) + " is impossible for a file of "
                            + size + " bytes");
                }
                if (headerLen > maxHeader) throw error("header length " + Limits.SAFETENSORS_HEADER_BYTES.explain(headerLen));
                long dataLen = size - 8 - headerLen;
                InputStream header = new BufferedInputStream(new BoundedInputStream(channel, 8, headerLen), 1 << 16);
                try (JsonParser p = JSON.getFactory().createParser(header)) {
                    if (p.nextToken() != JsonToken.START_OBJECT) throw error("header is not a JSON object");
                    long maxTensors = Limits.SAFETENSORS_TENSORS.get();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        if (name.equals("__metadata__")) {
                            parseMetadata(p);
                        } else {
                            if (entries.size() >= maxTensors) throw error("tensor count " + Limits.SAFETENSORS_TENSORS.explain(entries.size() + 1L));
                            entries.put(name, parseEntry(name, p, dataLen));
                        }
                    }
                } catch (JsonProcessingException e) {
                    throw error("header is not valid JSON: " + e.getOriginalMessage());
                }
                checkNoOverlap();
                return 8 + headerLen;
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        private void parseMetadata(JsonParser p) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) throw error("__metadata__ must be an object of strings");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) throw error("__metadata__." + key + " is not a string");
                metadata.put(key, p.getText());
            }
        }

        private Entry parseEntry(String name, JsonParser p, long dataLen) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) throw error(name, "entry is not an object");
            String dtype = null;
            long[] shape = null;
            long[] offsets = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "dtype" -> {
                        if (t != JsonToken.VALUE_STRING) throw error(name, "missing dtype");
                        dtype = p.getText();
                    }
                    case "shape" -> {
                        if (t != JsonToken.START_ARRAY) throw error(name, "missing shape");
                        shape = longArray(p, name, "bad shape", -1);
                        for (long d : shape) if (d < 0) throw error(name, "bad shape " + Arrays.toString(shape));
                    }
                    case "data_offsets" -> {
                        if (t != JsonToken.START_ARRAY) throw error(name, "data_offsets must be [begin, end]");
                        offsets = longArray(p, name, "data_offsets must be [begin, end]", 2);
                        if (offsets.length != 2) throw error(name, "data_offsets must be [begin, end]");
                    }
                    default -> p.skipChildren();
                }
            }
            if (dtype == null) throw error(name, "missing dtype");
            TensorType type = TensorType.fromSafetensors(dtype);
            if (type == null) throw error(name, "unsupported dtype " + dtype);
            if (shape == null) throw error(name, "missing shape");
            if (offsets == null) throw error(name, "data_offsets must be [begin, end]");
            long begin = offsets[0];
            long end = offsets[1];
            if (begin < 0 || end < begin || end > dataLen) {
                throw error(name, "data_offsets [" + begin + ", " + end + "] outside the data section of " + dataLen + " bytes");
            }
            long expected;
            try {
                expected = Math.multiplyExact(TensorBytes.numel(shape), type.bytes());
            } catch (ArithmeticException e) {
                throw error(name, "shape " + Arrays.toString(shape) + " overflows");
            }
            if (end - begin != expected) {
                throw error(name, "data_offsets span " + (end - begin) + " bytes but " + type.safetensorsName()
                        + Arrays.toString(shape) + " needs " + expected);
            }
            return new Entry(name, type, shape, begin, end);
        }

        /**
         * The integers of a JSON array (the parser on its START_ARRAY); at most {@code max} of them when
         * {@code max >= 0}, else at most 64 (no tensor has more dimensions; a longer list is not a shape).
         */
        private long[] longArray(JsonParser p, String name, String what, int max) throws IOException {
            int cap = max >= 0 ? max : 64;
            long[] out = new long[cap];
            int n = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_NUMBER_INT || n == cap || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw error(name, what + (t == JsonToken.VALUE_NUMBER_INT && n < cap ? " (too large a number)" : ""));
                }
                out[n++] = p.getLongValue();
            }
            return Arrays.copyOf(out, n);
        }

        private void checkNoOverlap() {
            List<Entry> sorted = new ArrayList<>(entries.values());
            sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            for (int i = 1; i < sorted.size(); i++) {
                Entry a = sorted.get(i - 1);
                Entry b = sorted.get(i);
                if (b.begin() < a.end()) {
                    throw error(b.name(), "bytes [" + b.begin() + ", " + b.end() + ") overlap '" + a.name() + "' ["
                            + a.begin() + ", " + a.end() + ")");
                }
            }
        }

        public Path file() {
            return file;
        }

        /** Header entries in header order. */
        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        /** The {@code __metadata__} strings (empty when absent). */
        public Map<String, String> metadata() {
            return Collections.unmodifiableMap(metadata);
        }

        /** One tensor in its stored type. */
        public INDArray read(String name) {
            return read(name, null);
        }

        /** One tensor, cast to {@code type} unless that is null. */
        public INDArray read(String name, DataType type) {
            Entry e = entries.get(name);
            if (e == null) throw new CheckpointException(file + ": no tensor named '" + name + "'");
            INDArray out;
            try {
                if (e.end() == e.begin()) {
                    out = TensorBytes.fromBytes(ByteBuffer.allocate(0), e.type(), e.shape());
                } else {
                    // read straight into the array's native buffer: a mapping would keep the file's pages resident
                    // beside the copy until the mapping is collected (605 MB more peak for ViT-B/32)
                    channel.position(dataStart + e.begin());
                    out = TensorBytes.fromChannel(channel, e.type(), e.shape());
                }
            } catch (IOException | RuntimeException ex) {
                throw new CheckpointException(file + ": cannot read tensor '" + name + "': " + ex.getMessage(), ex);
            }
            return type == null || type == out.dataType() ? out : out.castTo(type);
        }

        /** Every tensor in header order, cast to {@code type} unless that is null. */
        public Map<String, INDArray> readAll(DataType type) {
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (String name : entries.keySet()) out.put(name, read(name, type));
            return out;
        }

        private void readFully(ByteBuffer buf, long position) throws IOException {
            long pos = position;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, pos);
                if (n < 0) throw error("unexpected end of file");
                pos += n;
            }
        }

        private CheckpointException error(String message) {
            return new CheckpointException(file + ": invalid safetensors header: " + message);
        }

        private CheckpointException error(String key, String message) {
            return new CheckpointException(file + ": invalid safetensors header: tensor '" + key + "': " + message);
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                throw new CheckpointException("cannot close " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes tensors in map order (C order, little-endian) with the given metadata strings (may be null).
     * The file appears under its final name only once complete.
     */
    public static void write(Map<String, INDArray> tensors, Map<String, String> metadata, Path file) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new CheckpointException(file + ": '__metadata__' is reserved");
            INDArray a = e.getValue();
            TensorType type;
            try {
                type = TensorType.of(a.dataType());
            } catch (IllegalArgumentException ex) {
                throw new CheckpointException(file + ": tensor '" + e.getKey() + "': " + ex.getMessage());
            }
            long size = TensorBytes.byteSize(a);
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", type.safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (long d : a.shape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot encode header", e);
        }
        // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try {
            AtomicFile.write(file, tmp -> {
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    while (head.hasRemaining()) channel.write(head);
                    for (INDArray a : tensors.values()) TensorBytes.write(a, channel);
                }
            });
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code length} bytes of a file channel from {@code position}, read with positional reads. */
    private static final class BoundedInputStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private long remaining;

        BoundedInputStream(FileChannel channel, long position, long length) {
            this.channel = channel;
            this.position = position;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) return -1;
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)), position);
            if (n < 0) throw new IOException("unexpected end of file in the header");
            position += n;
            remaining -= n;
            return n;
        }
    }
}
