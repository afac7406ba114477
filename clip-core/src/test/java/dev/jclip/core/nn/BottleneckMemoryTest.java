package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large model's training step keeps every array its forward pass allocates until the step ends (the freeing
 * scope, {@link StepWorkspace#openFreeingAtEnd}), so the forward pass must allocate what backward needs and little
 * else. A bottleneck keeps, per convolution, its output (BatchNorm normalises over it) and the BatchNorm output
 * (the ReLU works in place on it and the next convolution reads it), plus the pooled maps. Copies of reshaped
 * activations (ND4J calls them views) once added a dead third on top (RN50 at batch 8: 7.0 GB peak).
 */
class BottleneckMemoryTest {
    private static final int BATCH = 4, SIDE = 16;

    /** Bytes the forward pass of one bottleneck allocates in the step scope. */
    private static long forwardBytes(int inplanes, int planes, int stride) {
        ParameterStore store = new ParameterStore(DataType.FLOAT, 1);
        Bottleneck block = new Bottleneck(store, "layer1.0", inplanes, planes, stride);
        store.flatten();
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, SIDE, SIDE, inplanes);
        try (MemoryWorkspace ws = StepWorkspace.openFreeingAtEnd()) {
            Nd4jWorkspace scope = (Nd4jWorkspace) ws;
            long before = scope.getThisCycleAllocations();
            block.forward(x);
            return scope.getThisCycleAllocations() - before;
        } finally {
            store.close();
        }
    }

    /** Float bytes of activations with these channel counts at full and at pooled resolution. */
    private static long activations(int fullResChannels, int pooledChannels, int stride) {
        long pixels = (long) BATCH * SIDE * SIDE;
        return 4 * (pixels * fullResChannels + pixels / ((long) stride * stride) * pooledChannels);
    }

    private static void assertKeepsOnlyWhatBackwardNeeds(long allocated, long needed, String block) {
        // the slack is BatchNorm's per-channel statistics
        assertTrue(allocated <= needed * 1.02, block + ": forward allocated " + allocated + " bytes, the kept activations are "
                + needed + " (" + String.format("%.2f", (double) allocated / needed) + "x)");
    }

    @Test
    void identityBlockAllocatesOnlyTheActivationsItKeeps() {
        // conv1 and bn1 (16 channels each), conv2 and bn2 (16 each), conv3 and bn3 (64 each); no pooling, no downsample
        assertKeepsOnlyWhatBackwardNeeds(forwardBytes(64, 16, 1), activations(16 * 4 + 64 * 2, 0, 1), "64 -> 16 -> 64");
    }

    @Test
    void downsamplingBlockAllocatesOnlyTheActivationsItKeeps() {
        // full resolution: conv1, bn1, conv2, bn2 (32 each); pooled: the pooled map (32), conv3 and bn3 (128 each),
        // the shortcut's pooled input (64), its conv and BatchNorm (128 each)
        assertKeepsOnlyWhatBackwardNeeds(forwardBytes(64, 32, 2), activations(32 * 4, 32 + 128 * 2 + 64 + 128 * 2, 2), "64 -> 32 -> 128, stride 2");
    }
}
