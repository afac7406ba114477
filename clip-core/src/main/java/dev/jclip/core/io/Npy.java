package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0-3.0): little-endian f4, f8, i4, i8, u1 and b1, C or Fortran order.
 * Written here rather than through ND4J's reader, which ignores {@code fortran_order} (numpy writes transposed
 * arrays that way) and so silently transposes them.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static INDArray read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 10 || !java.util.Arrays.equals(java.util.Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IOException(file + ": not a .npy file (bad magic)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(buf.getShort(8));
            offset = 10;
        } else {
            headerLen = buf.getInt(8);
            offset = 12;
        }
        if (headerLen < 0 || offset + headerLen > bytes.length) throw new IOException(file + ": truncated .npy header");
        String header = new String(bytes, offset, headerLen, StandardCharsets.ISO_8859_1);
        String descr = match(DESCR, header, file, "descr");
        boolean fortran = "True".equals(match(FORTRAN, header, file, "fortran_order"));
        long[] shape = parseShape(match(SHAPE, header, file, "shape"));
        long count = 1;
        for (long s : shape) count *= s;
        int data = offset + headerLen;
        ByteBuffer body = ByteBuffer.wrap(bytes, data, bytes.length - data).slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(count);
        INDArray flat;
        if (descr.equals("|u1") || descr.equals("|b1")) {
            need(body, n, file);
            int[] v = new int[n];   // widened: ND4J has no unsigned 8-bit arithmetic worth using
            for (int i = 0; i < n; i++) v[i] = Byte.toUnsignedInt(body.get(i));
            flat = Nd4j.createFromArray(v);
        } else {
            TensorType type = switch (descr) {
                case "<f4" -> TensorType.F32;
                case "<f8" -> TensorType.F64;
                case "<i8" -> TensorType.I64;
                case "<i4" -> TensorType.I32;
                default -> throw new IOException(file + ": unsupported dtype '" + descr + "' (f4, f8, i4, i8, u1, b1)");
            };
            int size = Math.multiplyExact(n, type.bytes());
            need(body, size, file);
            flat = TensorBytes.fromBytes(body.slice(0, size), type, new long[]{n});
        }
        if (shape.length == 0) return flat.reshape();
        if (!fortran) return flat.reshape('c', shape);
        return flat.reshape('f', shape).dup('c');
    }

    /** Writes float, double, int and long arrays in C order, to a temporary file renamed into place. */
    public static void write(INDArray array, Path file) throws IOException {
        String descr = switch (array.dataType()) {
            case FLOAT -> "<f4";
            case DOUBLE -> "<f8";
            case INT -> "<i4";
            case LONG -> "<i8";
            default -> throw new IOException("cannot write " + array.dataType() + " to " + file);
        };
        StringBuilder shape = new StringBuilder();
        for (long s : array.shape()) shape.append(s).append(", ");
        if (array.rank() > 1) shape.setLength(shape.length() - 1);
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape.toString().trim() + "), }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        INDArray c = array.dup('c');
        int width = array.dataType().width();
        ByteBuffer body = ByteBuffer.allocate(Math.toIntExact(c.length() * width)).order(ByteOrder.LITTLE_ENDIAN);
        switch (array.dataType()) {
            case FLOAT -> body.asFloatBuffer().put(c.data().asFloat());
            case DOUBLE -> body.asDoubleBuffer().put(c.data().asDouble());
            case INT -> body.asIntBuffer().put(c.data().asInt());
            default -> body.asLongBuffer().put(c.data().asLong());
        }
        AtomicFile.write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(MAGIC);
                out.write(new byte[]{1, 0});
                out.write(new byte[]{(byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
                out.write(header.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body.array());
            }
        });
    }

    private static void need(ByteBuffer body, long bytes, Path file) throws IOException {
        if (body.remaining() < bytes) {
            throw new IOException(file + ": truncated data (" + body.remaining() + " bytes, header promises " + bytes + ")");
        }
    }

    private static String match(Pattern p, String header, Path file, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(file + ": .npy header has no '" + key + "'");
        return m.group(1);
    }

    private static long[] parseShape(String s) {
        List<Long> dims = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) dims.add(Long.parseLong(t.replace("L", "")));
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
