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
 * <p>
 * Two ways to sum ({@code gradient-sum}): {@link Mode#ALL_REDUCE}, the collective's all-reduce, whose association
 * the MPI library chooses from the world and message sizes; and {@link Mode#RANK_ORDER}, an all-gather of every
 * rank's bucket summed in rank order in float64 ({@link RankOrderSum}), whose bits one process reproduces with
 * {@code rank-slices}. The price of the second: each rank receives (world - 1) buckets instead of about two.
 */
final class GradientSync {
    /** Elements per bucket: 4 Mi values, 16 MB in float32 (PyTorch DDP's default bucket is 25 MB). */
    static final int BUCKET = 1 << 22;

    /** How the ranks' gradients are summed: the {@code gradient-sum} option; each sums a buffer in place over ranks. */
    enum Mode {
        ALL_REDUCE("all-reduce") {
            @Override
            void sum(float[] b, Collective c) {
                c.allReduceSum(b);
            }

            @Override
            void sum(double[] b, Collective c) {
                c.allReduceSum(b);
            }
        },
        RANK_ORDER("rank-order") {
            @Override
            void sum(float[] b, Collective c) {
                float[] all = new float[b.length * c.worldSize()];
                c.allGather(b, all);
                RankOrderSum.sum(all, c.worldSize(), b);
            }

            @Override
            void sum(double[] b, Collective c) {
                double[] all = new double[b.length * c.worldSize()];
                c.allGather(b, all);
                RankOrderSum.sum(all, c.worldSize(), b);
            }
        };

        final String option;

        Mode(String option) {
            this.option = option;
        }

        static Mode of(String option) {
            for (Mode m : values()) if (m.option.equals(option)) return m;
            throw new IllegalArgumentException("gradient-sum must be all-reduce or rank-order, got '" + option + "'");
        }

        /** Replaces every rank's {@code b} by the sum of all ranks' {@code b}, the same on every rank. */
        abstract void sum(float[] b, Collective c);

        abstract void sum(double[] b, Collective c);
    }

    private GradientSync() {
    }

    static void allReduce(INDArray flat, Collective c, Mode mode) {
        long total = flat.length();
        for (long from = 0; from < total; from += BUCKET) {
            long to = Math.min(total, from + BUCKET);
            INDArray view = flat.get(NDArrayIndex.interval(from, to));
            if (flat.dataType() == DataType.DOUBLE) {
                double[] b = view.toDoubleVector();
                mode.sum(b, c);
                view.assign(Nd4j.createFromArray(b));
            } else {
                float[] b = view.toFloatVector();
                mode.sum(b, c);
                view.assign(Nd4j.createFromArray(b));
            }
        }
    }
}
