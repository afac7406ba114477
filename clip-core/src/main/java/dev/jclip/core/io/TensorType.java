package dev.jclip.core.io;

import org.nd4j.linalg.api.buffer.DataType;

import java.util.Locale;

/**
 * An element type as checkpoint files name it: the safetensors dtype string, the PyTorch storage class and the
 * matching ND4J {@link DataType}. All formats store elements little-endian.
 */
public enum TensorType {
    F64("DoubleStorage", DataType.DOUBLE, 8),
    F32("FloatStorage", DataType.FLOAT, 4),
    F16("HalfStorage", DataType.HALF, 2),
    BF16("BFloat16Storage", DataType.BFLOAT16, 2),
    I64("LongStorage", DataType.LONG, 8),
    I32("IntStorage", DataType.INT, 4),
    I16("ShortStorage", DataType.SHORT, 2),
    I8("CharStorage", DataType.BYTE, 1),
    U8("ByteStorage", DataType.UBYTE, 1),
    BOOL("BoolStorage", DataType.BOOL, 1);

    private final String torchStorage;
    private final DataType nd4j;
    private final int bytes;

    TensorType(String torchStorage, DataType nd4j, int bytes) {
        this.torchStorage = torchStorage;
        this.nd4j = nd4j;
        this.bytes = bytes;
    }

    /** The dtype string in a safetensors header ({@code "F32"}, ...): the constant's name. */
    public String safetensorsName() {
        return name();
    }

    /** The storage class name in module {@code torch} ({@code "FloatStorage"}, ...). */
    public String torchStorage() {
        return torchStorage;
    }

    public DataType nd4j() {
        return nd4j;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The type for a safetensors dtype string, or null when it is not one we read. */
    public static TensorType fromSafetensors(String name) {
        for (TensorType t : values()) if (t.name().equals(name.toUpperCase(Locale.ROOT))) return t;
        return null;
    }

    /** The type for a torch storage class name (e.g. {@code HalfStorage}), or null when unknown. */
    public static TensorType fromTorchStorage(String name) {
        for (TensorType t : values()) if (t.torchStorage.equals(name)) return t;
        return null;
    }

    /** The type holding an ND4J array of {@code type}; an error for types no checkpoint format stores. */
    public static TensorType of(DataType type) {
        for (TensorType t : values()) if (t.nd4j == type) return t;
        throw new IllegalArgumentException("no checkpoint element type for ND4J data type " + type);
    }
}
