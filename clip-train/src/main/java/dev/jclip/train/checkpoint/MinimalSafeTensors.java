package dev.jclip.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small reader and writer of the safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus an optional {@code __metadata__} map of strings), then the
 * raw little-endian tensor bytes. Handles F32, F64, I32 and I64, which is what training state needs; this is a
 * stand-in until the project-wide reader is available, kept behind {@link TensorFile}.
 */
public final class MinimalSafeTensors implements TensorFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Header sizes beyond this are not a plausible safetensors file (the reference implementation uses 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    @Override
    public void write(Path path, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        Map<String, INDArray> contiguous = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue().dup('c');
            String dtype = code(a.dataType(), e.getKey());
            long bytes = a.length() * a.dataType().width();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            ArrayNode shape = t.putArray("shape");
            for (long d : a.shape()) shape.add(d);
            ArrayNode offsets = t.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + bytes);
            offset += bytes;
            contiguous.put(e.getKey(), a);
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(headerBytes);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (INDArray a : contiguous.values()) writeFully(ch, toBytes(a));
            ch.force(true);
        }
    }

    @Override
    public Contents read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new IOException(path + ": not a safetensors file (only " + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IOException(path + ": bad safetensors header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8, path);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(path + ": invalid safetensors JSON header: " + e.getMessage(), e);
            }
            if (header == null || !header.isObject()) throw new IOException(path + ": safetensors header is not a JSON object");
            long dataStart = 8 + headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                DataType dtype = dtype(t.path("dtype").asText(), path, name);
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = t.path("shape").get(i).asLong();
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                long count = 1;
                for (long d : shape) count *= d;
                if (begin < 0 || end != begin + count * dtype.width() || dataStart + end > size) {
                    throw new IOException(path + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end
                            + "] that do not fit its shape and dtype or the file size");
                }
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + begin, path);
                data.flip();
                tensors.put(name, fromBytes(data, dtype, shape));
            }
            return new Contents(tensors, metadata);
        }
    }

    private static String code(DataType t, String name) {
        return switch (t) {
            case FLOAT -> "F32";
            case DOUBLE -> "F64";
            case INT -> "I32";
            case LONG -> "I64";
            default -> throw new IllegalArgumentException("tensor '" + name + "': dtype " + t + " is not supported by this writer");
        };
    }

    private static DataType dtype(String code, Path path, String name) throws IOException {
        return switch (code) {
            case "F32" -> DataType.FLOAT;
            case "F64" -> DataType.DOUBLE;
            case "I32" -> DataType.INT;
            case "I64" -> DataType.LONG;
            default -> throw new IOException(path + ": tensor '" + name + "' has unsupported dtype '" + code + "'");
        };
    }

    private static ByteBuffer toBytes(INDArray a) {
        int n = Math.toIntExact(a.length());
        ByteBuffer b = ByteBuffer.allocate(n * a.dataType().width()).order(ByteOrder.LITTLE_ENDIAN);
        switch (a.dataType()) {
            case FLOAT -> b.asFloatBuffer().put(a.data().asFloat(), 0, n);
            case DOUBLE -> b.asDoubleBuffer().put(a.data().asDouble(), 0, n);
            case INT -> b.asIntBuffer().put(a.data().asInt(), 0, n);
            case LONG -> b.asLongBuffer().put(a.data().asLong(), 0, n);
            default -> throw new IllegalStateException();
        }
        return b;
    }

    private static INDArray fromBytes(ByteBuffer b, DataType dtype, long[] shape) {
        int n = b.remaining() / dtype.width();
        INDArray flat = switch (dtype) {
            case FLOAT -> {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case DOUBLE -> {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case INT -> {
                int[] v = new int[n];
                b.asIntBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case LONG -> {
                long[] v = new long[n];
                b.asLongBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            default -> throw new IllegalStateException();
        };
        return shape.length == 0 ? flat.reshape() : flat.reshape('c', shape);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position, Path path) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException(path + ": truncated safetensors file");
            pos += r;
        }
    }
}
