package dev.jclip.core.nn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.jclip.core.nn.MatMulTest.bits;
import static dev.jclip.core.nn.MatMulTest.random;

/**
 * {@link Conv2d} over batch blocks: forward output, input gradient and weight gradient bit-identical at 1, 2 and 3
 * {@link KernelThreads}, and equal (to float rounding) to one unblocked libnd4j call over the whole batch, for both
 * backward passes (conv2d_bp and the written-out columns).
 */
class ConvBlocksTest {
    @AfterEach
    void restoreThreads() {
        KernelThreads.configure(0);
    }

    private static int[] intArgs(int k, int s, int p) {
        return new int[]{k, k, s, s, p, p, 1, 1, 0, 1, 1};
    }

    private static void assertClose(INDArray want, INDArray got, String what) {
        double scale = Math.max(1, want.amaxNumber().doubleValue());
        double diff = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5 * scale, what + " differs from the unblocked call by " + diff + " (scale " + scale + ")");
    }

    @Test
    void batchBlocksDependOnTheShapesOnly() {
        // RN-TINY's 3x3 convs at batch 64: 32x32 maps, 8 -> 8 channels: 37.7M multiply-adds, 5 x 8M: at most 2 blocks
        assertArrayEquals(new int[]{0, 32, 64}, Conv2d.batchBlocks(64, 32 * 32 * 8, 8 * 9));
        // its stem conv: 14.2M, 2 blocks
        assertArrayEquals(new int[]{0, 32, 64}, Conv2d.batchBlocks(64, 32 * 32 * 8, 3 * 9));
        assertArrayEquals(new int[]{0, 3}, Conv2d.batchBlocks(3, 16, 9), "a small conv is one block");
        assertArrayEquals(new int[]{0, 1, 3}, Conv2d.batchBlocks(3, 1L << 20, 64), "3 images of 64M: a power of two, 2 blocks");
        assertArrayEquals(new int[]{0, 4, 8}, Conv2d.batchBlocks(8, 7 * 7 * 512, 512 * 9), "RN50's last 3x3 convs at batch 8");
    }

    @Test
    void blockedConvolutionIsBitIdenticalAtAnyThreadCountAndMatchesOneCall() {
        assertEquals("blocks", MatMul.mode());
        // kernel, stride, padding; a batch of 12, 64 -> 32 channels on 16x12 maps: 2 or 4 blocks
        for (int[] c : new int[][]{{3, 1, 1}, {3, 2, 1}, {2, 1, 0}}) {
            for (String backward : new String[]{"native", "columns"}) {
                checkCase(c[0], c[1], c[2], backward.equals("native"));
            }
        }
    }

    private void checkCase(int k, int s, int p, boolean nativeBackward) {
        String name = "k" + k + " s" + s + " p" + p + (nativeBackward ? " conv2d_bp" : " columns");
        int batch = 12, in = 64, out = 32, h = 16, w = 12;
        INDArray x = random(1, batch, h, w, in);
        ParameterStore store = new ParameterStore(DataType.FLOAT, 3);
        Conv2d conv = Conv2d.create(store, "conv.weight", in, out, k, s, p);
        Parameter weight = store.get("conv.weight");
        INDArray y0 = conv.forward(x);
        INDArray dy = random(2, y0.shape());
        int[] bounds = Conv2d.batchBlocks(batch, y0.length() / batch, (long) in * k * k);
        assertTrue(bounds.length >= 3, name + ": expected 2 or more blocks, got " + Arrays.toString(bounds));

        // the unblocked reference: one libnd4j call over the whole batch
        INDArray refY = y0.ulike(), refDx = x.ulike(), refDw = weight.value().ulike();
        Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("conv2d").addInputs(x, weight.value()).addOutputs(refY)
                .addIntegerArguments(intArgs(k, s, p)).build());
        Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("conv2d_bp").addInputs(x, weight.value(), dy)
                .addOutputs(refDx, refDw).addIntegerArguments(intArgs(k, s, p)).build());

        int[][] first = null;
        for (int threads : new int[]{1, 2, 3}) {
            KernelThreads.configure(threads);
            INDArray y = conv.forward(x);
            store.zeroGrad();
            INDArray dx = nativeBackward ? conv.backward(dy) : backwardByColumns(conv, dy);
            int[][] now = {bits(y), bits(dx), bits(weight.grad())};
            if (first == null) {
                first = now;
                assertClose(refY, y, name + " output");
                assertClose(refDx, dx, name + " input gradient");
                assertClose(refDw, weight.grad(), name + " weight gradient");
            } else {
                assertArrayEquals(first[0], now[0], name + " output, " + threads + " threads");
                assertArrayEquals(first[1], now[1], name + " input gradient, " + threads + " threads");
                assertArrayEquals(first[2], now[2], name + " weight gradient, " + threads + " threads");
            }
        }
    }

    /** The columns backward pass, whichever NativeConvolution picked: through a conv without input gradient twice. */
    private static INDArray backwardByColumns(Conv2d conv, INDArray dy) {
        if (!NativeConvolution.fastBackward()) return conv.backward(dy);
        try {
            java.lang.reflect.Method m = Conv2d.class.getDeclaredMethod("backwardByColumns", INDArray.class);
            m.setAccessible(true);
            return (INDArray) m.invoke(conv, dy);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
