package dev.jclip.train.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A protocol-buffers message under construction: the few wire types TensorBoard's {@code Event} and
 * {@code Summary} need (varint, 64-bit double, 32-bit float, length-delimited), written field by field in the
 * order given. Not thread-safe.
 */
final class Proto {
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
        tag(field, VARINT);
        writeVarint(value);
        return this;
    }

    Proto float64(int field, double value) {
        tag(field, FIXED64);
        writeLittleEndian(Double.doubleToRawLongBits(value), 8);
        return this;
    }

    Proto float32(int field, float value) {
        tag(field, FIXED32);
        writeLittleEndian(Float.floatToRawIntBits(value) & 0xFFFFFFFFL, 4);
        return this;
    }

    Proto string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto value) {
        return bytes(field, value.toByteArray());
    }

    /** A packed repeated double (proto3's default encoding of {@code repeated double}). */
    Proto packedDoubles(int field, double[] values) {
        Proto p = new Proto();
        for (double v : values) p.writeLittleEndian(Double.doubleToRawLongBits(v), 8);
        return bytes(field, p.toByteArray());
    }

    Proto bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        writeVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        writeVarint(((long) field << 3) | wireType);
    }

    private void writeVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void writeLittleEndian(long v, int bytes) {
        for (int i = 0; i < bytes; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
    }
}
