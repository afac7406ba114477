package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A bias-free 2-D convolution on channels-last activations [B, H, W, C] (see docs/RESNET.md for why the ResNet
 * runs channels-last). The weight keeps PyTorch's [out, in, kH, kW] layout so that it is the state-dict tensor
 * as is; libnd4j's {@code conv2d} reads that layout directly (weight format 1, OIHW).
 * A 1x1 convolution with stride 1 is a plain matrix product over the [B*H*W, C] view and takes that path.
 * The forward pass of other kernels is libnd4j's {@code conv2d}. The backward pass is libnd4j's {@code conv2d_bp}
 * when libnd4j runs on oneDNN, and otherwise written out (see {@link #backwardByColumns}) because the generic
 * {@code conv2d_bp} was about twice as slow; {@link NativeConvolution} makes the choice. Both passes run over blocks
 * of whole images fixed by the shapes ({@link #batchBlocks(long, long, long)}), each on one OpenMP thread, shared
 * among the {@link KernelThreads}: the bits do not depend on the thread count.
 */
public final class Conv2d implements Layer {
    private static final int NHWC = 1;
    private static final int WEIGHTS_OIHW = 1;
    private static final String COLUMNS_ID = "jclip-conv-columns";
    private static final WorkspaceConfiguration COLUMNS = StepWorkspace.CONFIG;
    private final Parameter weight;
    private final int in, out, kernel, stride, padding;
    private INDArray input;
    private boolean inputGradient = true;

    public Conv2d(Parameter weight, int stride, int padding) {
        long[] s = weight.value().shape();
        if (s.length != 4 || s[2] != s[3]) {
            throw new IllegalArgumentException(weight.name() + ": expected a square [out, in, k, k] kernel, got " + Arrays.toString(s));
        }
        this.weight = weight;
        this.out = (int) s[0];
        this.in = (int) s[1];
        this.kernel = (int) s[2];
        this.stride = stride;
        this.padding = padding;
    }

    /** Registers {@code name} [out, in, k, k] with PyTorch's default init: U(+-1/sqrt(in*k*k)). */
    public static Conv2d create(ParameterStore store, String name, int in, int out, int kernel, int stride, int padding) {
        double bound = 1.0 / Math.sqrt((double) in * kernel * kernel);
        return new Conv2d(store.uniform(name, bound, out, in, kernel, kernel), stride, padding);
    }

    /**
     * Stops {@link #backward} from computing the input gradient (it returns null): for a first layer, whose input
     * is the data, this saves the col2im half of the backward pass.
     */
    public Conv2d withoutInputGradient() {
        inputGradient = false;
        return this;
    }

    public Parameter weight() {
        return weight;
    }

    private boolean isPointwise() {
        return kernel == 1 && stride == 1 && padding == 0;
    }

    /** Output side for an input side, as PyTorch: floor((n + 2p - k) / s) + 1. */
    public int outputSize(long inputSize) {
        return (int) ((inputSize + 2L * padding - kernel) / stride + 1);
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 4 || x.size(3) != in) {
            throw new IllegalArgumentException(weight.name() + ": expected [B, H, W, " + in + "] input, got " + Arrays.toString(x.shape()));
        }
        input = x;
        long b = x.size(0), h = x.size(1), w = x.size(2);
        if (isPointwise()) {
            return MatMul.gemm(rows(x, in), weight2d(weight.value()), false, true).reshape(b, h, w, out);
        }
        INDArray xc = c(x);
        INDArray y = Nd4j.createUninitialized(x.dataType(), b, outputSize(h), outputSize(w), out);
        int[] bounds = batchBlocks(xc, y);
        INDArray[] xs = slices(xc, bounds), ys = slices(y, bounds);
        forEachBlock(bounds, i -> Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(xs[i], weight.value()).addOutputs(ys[i])
                .addIntegerArguments(intArgs()).build()));
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (isPointwise()) {
            INDArray dy2 = rows(dy, out);
            if (weight.trainable()) Ops.gemmAccumulate(dy2, rows(input, in), weight2d(weight.grad()), true, false);
            if (!inputGradient) return null;
            return MatMul.gemm(dy2, weight2d(weight.value()), false, false).reshape(input.shape());
        }
        // conv2d_bp always computes the input gradient too; the first convolution needs only the weight gradient
        return NativeConvolution.fastBackward() && inputGradient ? nativeBackward(c(dy)) : backwardByColumns(c(dy));
    }

    /**
     * Multiply-adds per batch block, about, and the most blocks. Each block is a libnd4j call of its own (weights
     * reordered, primitive set up), so blocks are few: a power of two (even shares on 2, 4 threads), at most
     * {@link #MAX_BLOCKS}, at least one image each. With 4M per block and up to 8 blocks, RN50 at batch 8 (one image
     * per block) took 47% more CPU per step and RN-TINY 12% more at one thread,
     * measured under heavy load (docs/PERFORMANCE.md). On the quiet VM (2026-12-06), RN50 b8 at one thread took
     * 6,712 ms per step with one block per convolution, 7,080 with at most 2 and 8,159 with at most 4, and at two
     * threads 4,933 ms with at most 2 against 5,147 with 4: hence 2.
     */
    static final long WORK_PER_BLOCK = 1L << 23;
    static final int MAX_BLOCKS = 2;

    /**
     * The batch blocks of a convolution from {@code x} [B, H, W, in] to {@code y} [B, OH, OW, out]: boundaries that
     * depend on the shapes only, so that the bits do not depend on the thread count. One block off the CPU backend
     * or with {@code -Djclip.matmul=openmp} (libnd4j's own threads then).
     */
    private int[] batchBlocks(INDArray x, INDArray y) {
        long batch = x.size(0);
        if (!"blocks".equals(MatMul.mode())) return new int[]{0, (int) batch};
        return batchBlocks(batch, y.length() / batch, (long) in * kernel * kernel);
    }

    /** Blocks of {@code batch} images with {@code perImage} outputs of {@code k} multiply-adds each (see {@link #WORK_PER_BLOCK}). */
    static int[] batchBlocks(long batch, long perImage, long k) {
        long work = batch * perImage * k;
        int count = Integer.highestOneBit((int) Math.max(1, Math.min(Math.min(MAX_BLOCKS, batch), (work + WORK_PER_BLOCK - 1) / WORK_PER_BLOCK)));
        return MatMul.split(batch, count);
    }

    /** Views of the batch blocks of a dense array, made on the caller's thread (inside its workspace). */
    private static INDArray[] slices(INDArray x, int[] bounds) {
        INDArray[] out = new INDArray[bounds.length - 1];
        for (int i = 0; i < out.length; i++) out[i] = MatMul.batchSlice(x, bounds[i], bounds[i + 1]);
        return out;
    }

    /**
     * Runs {@code block} for every batch block: each on one OpenMP thread, the blocks shared among the
     * {@link KernelThreads}; or one after another on libnd4j's own threads when {@link MatMul#mode()} is not "blocks".
     */
    private static void forEachBlock(int[] bounds, java.util.function.IntConsumer block) {
        int count = bounds.length - 1;
        if (!"blocks".equals(MatMul.mode())) {
            for (int i = 0; i < count; i++) block.accept(i);
            return;
        }
        KernelThreads.parallelFor(count, 1, (from, to) -> OpenMpThreads.one(() -> {
            for (int i = from; i < to; i++) block.accept(i);
        }));
    }

    /**
     * One weight-gradient partial per batch block, zeroed, outside any workspace (they are dead once summed): the
     * blocks run at the same time, so each writes its own.
     */
    private static INDArray[] partials(int count, DataType type, long... shape) {
        INDArray[] out = new INDArray[count];
        try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int i = 0; i < count; i++) out[i] = Nd4j.create(type, shape);
        }
        return out;
    }

    /** Adds the partials into {@code grad} in block order (a fixed order: the bits do not depend on the threads), frees them. */
    private static void sumInto(INDArray grad, INDArray[] partials) {
        for (INDArray p : partials) grad.addi(p);
        StepWorkspace.free(partials);
    }

    /** libnd4j's conv2d_bp over batch blocks: the fast choice when libnd4j runs it on oneDNN. */
    private INDArray nativeBackward(INDArray dy) {
        INDArray x = c(input);
        INDArray dx = x.ulike();
        int[] bounds = batchBlocks(x, dy);
        INDArray[] xs = slices(x, bounds), dys = slices(dy, bounds), dxs = slices(dx, bounds);
        INDArray[] dws = partials(bounds.length - 1, x.dataType(), weight.value().shape());
        forEachBlock(bounds, i -> Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(xs[i], weight.value(), dys[i])
                .addOutputs(dxs[i], dws[i]).addIntegerArguments(intArgs()).build()));
        if (weight.trainable()) sumInto(weight.grad(), dws);
        else StepWorkspace.free(dws);
        if (inputGradient) return dx;
        StepWorkspace.free(dx);
        return null;
    }

    /**
     * libnd4j's {@code conv2d_bp} spends most of its time permuting 6-D column arrays with unfavourable strides
     * (measured: about twice the CPU time of this version on 32x32 and 56x56 maps). Here the columns are laid out
     * so that both permutes move contiguous runs of H*W values: im2col on an NCHW copy gives [B, K, P]
     * (K = C*k*k, P = output pixels), moved to [K, B*P] for dW = dY^T . cols^T; the column gradient is computed
     * as W^T . dY^T, [K, B*P], and moved back to [B, K, P] for col2im. With one batch block the result equals
     * conv2d_bp's bit for bit. Each batch block does this on its own images, writing its slice of the input gradient
     * and its own weight-gradient partial.
     */
    private INDArray backwardByColumns(INDArray dy) {
        INDArray x = c(input);
        int[] bounds = batchBlocks(x, dy);
        int count = bounds.length - 1;
        boolean weights = weight.trainable();
        // the input gradient goes where the caller allocates: its workspace, or none
        INDArray dx = inputGradient ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
        INDArray[] xs = slices(x, bounds), dys = slices(dy, bounds), dxs = dx == null ? null : slices(dx, bounds);
        INDArray[] dws = weights ? partials(count, x.dataType(), out, (long) in * kernel * kernel) : null;
        forEachBlock(bounds, i -> columnsBlock(xs[i], dys[i], dws == null ? null : dws[i], dxs == null ? null : dxs[i]));
        if (weights) sumInto(weight2d(weight.grad()), dws);
        return dx;
    }

    /** One batch block of {@link #backwardByColumns}: {@code dw} [out, K] (zeroed) gets the block's weight gradient, {@code dx} written in place. */
    private void columnsBlock(INDArray x, INDArray dy, INDArray dw, INDArray dx) {
        long b = x.size(0), h = x.size(1), w = x.size(2);
        long oh = dy.size(1), ow = dy.size(2), p = oh * ow, k = (long) in * kernel * kernel;
        // the column buffers are ~9x the activation each: they live in a workspace of their own per thread, reused by
        // every conv (inside the step workspace they would all stay until the end of the step)
        try (MemoryWorkspace columns = Nd4j.getWorkspaceManager().getAndActivateWorkspace(COLUMNS, COLUMNS_ID)) {
            INDArray dy2 = dy.reshape(b * p, out);
            if (dw != null) {
                INDArray nchw = x.permute(0, 3, 1, 2).dup('c');
                INDArray cols = Nd4j.createUninitialized(x.dataType(), b, in, kernel, kernel, oh, ow);
                Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(nchw).addOutputs(cols).addIntegerArguments(columnArgs()).build());
                INDArray colsByK = cols.reshape(b, k, p).permute(1, 0, 2).dup('c').reshape(k, b * p);
                Nd4j.gemm(dy2, colsByK, dw, true, true, 1.0, 1.0);
            }
            if (dx == null) return;
            INDArray dColsByK = Nd4j.gemm(weight2d(weight.value()), dy2, true, true);            // [K, B*P]
            INDArray dCols = dColsByK.reshape(k, b, p).permute(1, 0, 2).dup('c').reshape(b, in, kernel, kernel, oh, ow);
            INDArray dxNchw = Nd4j.create(x.dataType(), b, in, h, w);
            Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(dCols).addOutputs(dxNchw)
                    .addIntegerArguments(stride, stride, padding, padding, (int) h, (int) w, 1, 1, 0).build());
            dx.assign(dxNchw.permute(0, 2, 3, 1));
        }
    }

    private int[] columnArgs() {
        // kH, kW, sH, sW, pH, pW, dH, dW, same mode (0 = explicit padding)
        return new int[]{kernel, kernel, stride, stride, padding, padding, 1, 1, 0};
    }

    private int[] intArgs() {
        // kH, kW, sH, sW, pH, pW, dH, dW, padding mode (0 = explicit), data format, weight format
        return new int[]{kernel, kernel, stride, stride, padding, padding, 1, 1, 0, NHWC, WEIGHTS_OIHW};
    }

    private INDArray weight2d(INDArray w) {
        return w.reshape(out, (long) in * kernel * kernel);
    }

    /**
     * {@code x} itself when its elements are laid out in C order (a reshape of it is then free), else a C-order copy.
     * Not {@code isView()}: ND4J calls a reshaped array a view, and copying every reshaped 1x1-conv and BatchNorm
     * output kept a dead copy of each activation until the end of the step (RN50: about a third of the forward
     * pass's memory; {@code BottleneckMemoryTest}).
     */
    static INDArray c(INDArray x) {
        return x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) ? x : x.dup('c');
    }

    /** [B, H, W, C] as the [B*H*W, C] matrix of its pixels. */
    static INDArray rows(INDArray x, long channels) {
        return c(x).reshape(x.length() / channels, channels);
    }
}
