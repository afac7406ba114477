package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Moves raw little-endian element bytes between files and ND4J arrays without boxing or converting them, so
 * half-precision and bfloat16 bits (NaN payloads included) survive a read/write unchanged. Copies go straight
 * into and out of the array's native memory.
 */
final class TensorBytes {
    private TensorBytes() {
    }

    /** Number of elements of a shape (1 for a scalar), failing on overflow. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension " + d);
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** A new C-order array of {@code shape} filled from {@code src}'s remaining bytes (exactly numel * size). */
    static INDArray fromBytes(ByteBuffer src, TensorType type, long[] shape) {
        INDArray out = allocate(type, shape);
        if (out.length() == 0) return out;
        ByteBuffer dst = nativeBytes(out);
        if (src.remaining() != dst.remaining()) {
            throw new IllegalArgumentException("expected " + dst.remaining() + " bytes, got " + src.remaining());
        }
        requireLittleEndianHost();
        dst.put(src.duplicate());
        Reference.reachabilityFence(out);
        return out;
    }

    /** A new C-order array of {@code shape} filled by reading exactly its byte size from {@code in}. */
    static INDArray fromChannel(ReadableByteChannel in, TensorType type, long[] shape) throws IOException {
        INDArray out = allocate(type, shape);
        if (out.length() == 0) return out;
        ByteBuffer dst = nativeBytes(out);
        requireLittleEndianHost();
        while (dst.hasRemaining()) {
            if (in.read(dst) < 0) throw new IOException("unexpected end of data: " + dst.remaining() + " bytes missing");
        }
        Reference.reachabilityFence(out);
        return out;
    }

    /** Writes the array's elements in C order, little-endian, to {@code out}. */
    static void write(INDArray array, WritableByteChannel out) throws IOException {
        INDArray c = contiguous(array);
        if (c.length() == 0) return;
        ByteBuffer src = nativeBytes(c);
        requireLittleEndianHost();
        while (src.hasRemaining()) out.write(src);
        Reference.reachabilityFence(c);
    }

    /** Size of the array's elements in bytes. */
    static long byteSize(INDArray array) {
        return array.length() * TensorType.of(array.dataType()).bytes();
    }

    /** The array itself when it already owns a dense C-order buffer from offset 0, else a C-order copy. */
    static INDArray contiguous(INDArray array) {
        boolean dense = !array.isView() && array.ordering() == 'c' && array.offset() == 0
                && array.data().length() == array.length();
        return dense ? array : array.dup('c');
    }

    private static INDArray allocate(TensorType type, long[] shape) {
        return Nd4j.createUninitialized(type.nd4j(), shape, 'c');
    }

    /** The array's native memory as bytes in native order, exactly its element bytes long. */
    private static ByteBuffer nativeBytes(INDArray array) {
        ByteBuffer b = array.data().asNio().order(ByteOrder.nativeOrder());
        long size = byteSize(array);
        if (b.capacity() < size) throw new IllegalStateException("ND4J buffer smaller than its array");
        b.position(0).limit(Math.toIntExact(size));
        return b;
    }

    /** Files are little-endian and bytes are copied unconverted, so the host must be too (x86-64, aarch64 are). */
    private static void requireLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("big-endian hosts are not supported");
        }
    }
}
