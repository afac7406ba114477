package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * The few operations that renaming between checkpoint conventions needs, for real tensors and for shape-only
 * {@link TensorInfo}s alike, so names and shapes can be converted without reading any data.
 */
interface TensorOps<T> {
    /** Joins tensors along their first dimension. */
    T concatRows(List<T> parts);

    /** Splits a tensor into {@code parts} equal pieces along its first dimension. */
    List<T> splitRows(T tensor, int parts);

    /** Swaps the two dimensions of a matrix. */
    T transpose(T tensor);

    /** The first dimension. */
    long rows(T tensor);

    /** On ND4J arrays; results own their memory (C order). */
    TensorOps<INDArray> ARRAYS = new TensorOps<>() {
        @Override
        public INDArray concatRows(List<INDArray> parts) {
            return Nd4j.concat(0, parts.toArray(new INDArray[0])).dup('c');
        }

        @Override
        public List<INDArray> splitRows(INDArray t, int parts) {
            long n = t.size(0) / parts;
            List<INDArray> out = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                INDArray piece = t.rank() == 1 ? t.get(NDArrayIndex.interval(i * n, (i + 1) * n))
                        : t.get(NDArrayIndex.interval(i * n, (i + 1) * n), NDArrayIndex.all());
                out.add(piece.dup('c'));
            }
            return out;
        }

        @Override
        public INDArray transpose(INDArray t) {
            return t.transpose().dup('c');
        }

        @Override
        public long rows(INDArray t) {
            return t.size(0);
        }
    };

    /** On shapes only; names of results are filled in by the caller. */
    TensorOps<TensorInfo> INFOS = new TensorOps<>() {
        @Override
        public TensorInfo concatRows(List<TensorInfo> parts) {
            long[] shape = parts.get(0).shape().clone();
            shape[0] = parts.stream().mapToLong(p -> p.shape()[0]).sum();
            return new TensorInfo(parts.get(0).name(), parts.get(0).type(), shape);
        }

        @Override
        public List<TensorInfo> splitRows(TensorInfo t, int parts) {
            long[] shape = t.shape().clone();
            shape[0] /= parts;
            List<TensorInfo> out = new ArrayList<>();
            for (int i = 0; i < parts; i++) out.add(new TensorInfo(t.name(), t.type(), shape.clone()));
            return out;
        }

        @Override
        public TensorInfo transpose(TensorInfo t) {
            return new TensorInfo(t.name(), t.type(), new long[]{t.shape()[1], t.shape()[0]});
        }

        @Override
        public long rows(TensorInfo t) {
            return t.shape()[0];
        }
    };
}
