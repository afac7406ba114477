package dev.jclip.core.io;

import java.util.Arrays;

/** A tensor's name, element type and shape, known without reading its data. */
public record TensorInfo(String name, TensorType type, long[] shape) {
    public long numel() {
        return TensorBytes.numel(shape);
    }

    /** True for state that is not trained: BatchNorm running statistics and batch counters. */
    public boolean isBuffer() {
        return isBufferName(name);
    }

    /** The buffer rule by name (running_mean, running_var, num_batches_tracked). */
    public static boolean isBufferName(String name) {
        return name.endsWith(".running_mean") || name.endsWith(".running_var") || name.endsWith(".num_batches_tracked");
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(shape);
    }
}
