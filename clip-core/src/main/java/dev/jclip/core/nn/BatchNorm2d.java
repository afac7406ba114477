package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * PyTorch's BatchNorm2d (eps 1e-5, momentum 0.1) on channels-last activations [B, H, W, C], i.e. per column of the
 * [B*H*W, C] pixel matrix. Training mode normalises with the batch statistics and updates the running ones
 * (running_var with the unbiased batch variance, as PyTorch); evaluation mode normalises with the running ones.
 * State: {@code prefix.weight}, {@code prefix.bias} (parameters), {@code prefix.running_mean},
 * {@code prefix.running_var} and {@code prefix.num_batches_tracked} (a LONG scalar) as buffers.
 */
public final class BatchNorm2d implements Layer {
    public static final double EPS = 1e-5;
    public static final double MOMENTUM = 0.1;
    private final String name;
    private final Parameter gain;
    private final Parameter bias;
    private final INDArray runningMean;
    private final INDArray runningVar;
    private final INDArray batchesTracked;
    private final int channels;
    private boolean training = true;
    private boolean overwriteInput;
    // caches of the last forward
    private long[] shape;
    private INDArray input;       // evaluation mode: the input (x-hat is recomputed in backward)
    private INDArray normalised;  // training mode: x-hat
    private INDArray rstd;        // [1, C]
    private float[] rstdFused;    // training mode on the CPU kernels: rstd per channel

    private BatchNorm2d(String name, Parameter gain, Parameter bias, INDArray runningMean, INDArray runningVar,
                        INDArray batchesTracked) {
        this.name = name;
        this.gain = gain;
        this.bias = bias;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
        this.batchesTracked = batchesTracked;
        this.channels = (int) gain.value().length();
    }

    /** Registers weight = {@code gain}, bias 0, running mean 0, running var 1 and num_batches_tracked 0. */
    public static BatchNorm2d create(ParameterStore store, String prefix, int channels, double gain) {
        DataType t = store.dtype();
        return new BatchNorm2d(prefix,
                store.constant(prefix + ".weight", gain, channels),
                store.zeros(prefix + ".bias", channels),
                store.buffer(prefix + ".running_mean", Nd4j.zeros(t, channels)),
                store.buffer(prefix + ".running_var", Nd4j.ones(t, channels)),
                store.buffer(prefix + ".num_batches_tracked", Nd4j.scalar(0L)));
    }

    /**
     * Lets training mode write the normalised input over the input itself, for callers whose input is a fresh
     * array nothing else reads (a convolution's output inside a ResNet): one activation less to keep per layer.
     */
    public BatchNorm2d overwritingInput() {
        overwriteInput = true;
        return this;
    }

    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    public Parameter weight() {
        return gain;
    }

    public Parameter bias() {
        return bias;
    }

    public INDArray runningMean() {
        return runningMean;
    }

    public INDArray runningVar() {
        return runningVar;
    }

    public long batchesTracked() {
        return batchesTracked.getLong(0);
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.size(x.rank() - 1) != channels) {
            throw new IllegalArgumentException(name + ": expected " + channels + " channels last, got " + Arrays.toString(x.shape()));
        }
        shape = x.shape();
        INDArray x2 = Conv2d.rows(x, channels);
        long n = x2.rows();
        if (training) {
            if (n < 2) throw new IllegalArgumentException(name + ": training needs more than one value per channel, got " + Arrays.toString(shape));
            if (CpuKernels.applies(x2, gain.value(), bias.value())) {
                normalised = overwriteInput ? x2 : Nd4j.createUninitialized(x2.dataType(), n, channels);
                INDArray y = Nd4j.createUninitialized(x2.dataType(), n, channels);
                rstdFused = new float[channels];
                double[][] stats = CpuKernels.batchNormForward(x2, gain.value(), bias.value(), EPS, normalised, y, rstdFused);
                rstd = null;
                input = null;
                updateRunningStats(Nd4j.createFromArray(stats[0]).castTo(x2.dataType()),
                        Nd4j.createFromArray(stats[1]).castTo(x2.dataType()), n);
                return y.reshape(shape);
            }
            rstdFused = null;
            INDArray mean = Ops.columnSums(x2).divi(n);                        // [1, C]
            INDArray centred = rowOp("subtract", x2, mean, Nd4j.createUninitialized(x2.dataType(), n, channels));
            INDArray y = rowOp("multiply", centred, centred, Nd4j.createUninitialized(x2.dataType(), n, channels));
            INDArray var = Ops.columnSums(y).divi(n);                          // biased: used to normalise
            rstd = Transforms.pow(var.add(EPS), -0.5, false);
            normalised = rowOp("multiply", centred, rstd, centred);
            input = null;
            updateRunningStats(mean, var, n);
            rowOp("multiply", normalised, gain.value().reshape(1, channels), y);
            return rowOp("add", y, bias.value().reshape(1, channels), y).reshape(shape);
        }
        input = x2;
        normalised = null;
        rstd = Transforms.pow(runningVar.reshape(1, channels).add(EPS), -0.5, false);
        INDArray scale = rstd.mul(gain.value().reshape(1, channels));
        INDArray shift = bias.value().reshape(1, channels).sub(runningMean.reshape(1, channels).mul(scale));
        INDArray y = rowOp("multiply", x2, scale, Nd4j.createUninitialized(x2.dataType(), n, channels));
        return rowOp("add", y, shift, y).reshape(shape);
    }

    /**
     * {@code out = a (op) row} with [1, C] rows broadcast: libnd4j's broadcasting custom ops, which were several
     * times faster than INDArray's {@code addRowVector} family on tall, narrow matrices. {@code out} may be {@code a}.
     */
    private static INDArray rowOp(String op, INDArray a, INDArray row, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(a, row).addOutputs(out).build());
        return out;
    }

    /** running = (1 - m) running + m batch, with the unbiased variance n / (n - 1) var (PyTorch's rule). */
    private void updateRunningStats(INDArray mean, INDArray var, long n) {
        runningMean.muli(1 - MOMENTUM).addi(mean.reshape(channels).mul(MOMENTUM));
        runningVar.muli(1 - MOMENTUM).addi(var.reshape(channels).mul(MOMENTUM * n / (n - 1.0)));
        batchesTracked.putScalar(0, batchesTracked.getLong(0) + 1);
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dy2 = Conv2d.rows(dy, channels);
        long n = dy2.rows();
        if (rstdFused != null && normalised != null) {
            if (!CpuKernels.applies(dy2)) dy2 = dy2.dup('c');
            INDArray dx = Nd4j.createUninitialized(dy2.dataType(), n, channels);
            boolean train = gain.trainable();
            CpuKernels.batchNormBackward(dy2, normalised, rstdFused, gain.value(), train ? gain.grad() : null,
                    train ? bias.grad() : null, dx);
            return dx.reshape(shape);
        }
        INDArray scale = rstd.mul(gain.value().reshape(1, channels));
        boolean batchStats = normalised != null;
        if (!batchStats && !gain.trainable()) {
            return rowOp("multiply", dy2, scale, Nd4j.createUninitialized(dy2.dataType(), n, channels)).reshape(shape);
        }
        INDArray xhat = normalised;
        if (!batchStats) {
            xhat = rowOp("subtract", input, runningMean.reshape(1, channels), Nd4j.createUninitialized(input.dataType(), n, channels));
            rowOp("multiply", xhat, rstd, xhat);
        }
        INDArray work = rowOp("multiply", dy2, xhat, Nd4j.createUninitialized(dy2.dataType(), n, channels));
        INDArray sumDyXhat = Ops.columnSums(work);   // [1, C]
        INDArray sumDy = Ops.columnSums(dy2);
        if (gain.trainable()) {
            gain.grad().addi(sumDyXhat.reshape(channels));
            bias.grad().addi(sumDy.reshape(channels));
        }
        if (!batchStats) return rowOp("multiply", dy2, scale, work).reshape(shape);
        // batch statistics depend on x: dx = g rstd (dy - mean(dy) - xhat mean(dy xhat))
        INDArray xhatTerm = rowOp("multiply", xhat, sumDyXhat.divi(n).muli(scale), work);
        INDArray dx = rowOp("multiply", dy2, scale, Nd4j.createUninitialized(dy2.dataType(), n, channels)).subi(xhatTerm);
        StepWorkspace.free(work);
        return rowOp("subtract", dx, sumDy.divi(n).muli(scale), dx).reshape(shape);
    }
}
