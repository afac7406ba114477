package dev.jclip.train;

import dev.jclip.train.dist.Collective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Sums the flat gradient buffer over ranks, in buckets: a bucket at a time is copied out of ND4J's memory, summed
 * and written back, so the Java-side copy stays small for any model (ViT-B/32's gradients are 600 MB) and an MPI
 * collective moves messages of a size it handles well. Not overlapped with the backward pass yet (see
 * docs/SCALING.md).
 */
final class GradientSync {
    /** Elements per bucket: 4 Mi values, 16 MB in float32 (PyTorch DDP's default bucket is 25 MB). */
    static final int BUCKET = 1 << 22;

    private GradientSync() {
    }

    static void allReduce(INDArray flat, Collective c) {
        long total = flat.length();
        for (long from = 0; from < total; from += BUCKET) {
            long to = Math.min(total, from + BUCKET);
            INDArray view = flat.get(NDArrayIndex.interval(from, to));
            if (flat.dataType() == DataType.DOUBLE) {
                double[] b = view.toDoubleVector();
                c.allReduceSum(b);
                view.assign(Nd4j.createFromArray(b));
            } else {
                float[] b = view.toFloatVector();
                c.allReduceSum(b);
                view.assign(Nd4j.createFromArray(b));
            }
        }
    }
}
