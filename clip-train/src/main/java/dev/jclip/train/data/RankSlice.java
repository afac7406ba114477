package dev.jclip.train.data;

import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.loader.Batch;
import dev.jclip.train.BatchSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code data-order global}: a source of global batches seen by one rank, which keeps rows [r n, (r+1) n) of each
 * (n = batch / world). The global order depends on the seed and the global batch only, so the same run can be
 * repeated at any world size. Every rank reads and decodes the whole global batch and keeps its slice: simple and
 * exact, at world-times the decoding work (the default {@code data-order shards} has no such cost).
 *
 * @param global       the source of global batches
 * @param rank         this rank, 0 to world - 1
 * @param world        the number of ranks
 * @param closesGlobal whether {@link #close()} closes the global source (one the trainer opened)
 */
public record RankSlice(BatchSource global, int rank, int world, boolean closesGlobal) implements BatchSource {
    public RankSlice {
        if (rank < 0 || rank >= world) throw new IllegalArgumentException("rank " + rank + " outside a world of " + world);
    }

    @Override
    public Shape shape() {
        Shape s = global.shape();
        if (s.batchSize() % world != 0) {
            throw new IllegalArgumentException("global batches of " + s.batchSize() + " do not split over " + world + " ranks");
        }
        return new Shape(s.batchSize() / world, s.imageSize(), s.contextLength(), s.vocabSize());
    }

    /** This rank's share: the global count over the world (whole global batches stay whole). */
    @Override
    public long samplesPerEpoch() {
        long s = global.samplesPerEpoch();
        return s < 0 ? s : s / world;
    }

    @Override
    public void startEpoch(int epoch, long seed) {
        global.startEpoch(epoch, seed);
    }

    @Override
    public Batch next() throws Exception {
        Batch b = global.next();
        if (b == null) return null;
        int n = b.size() / world;
        return Batch.of(rows(b.images(), n), rows(b.tokens(), n));
    }

    private INDArray rows(INDArray a, int n) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        idx[0] = NDArrayIndex.interval((long) rank * n, (long) (rank + 1) * n);
        for (int i = 1; i < idx.length; i++) idx[i] = NDArrayIndex.all();
        return a.get(idx).dup('c');
    }

    @Override
    public String state() {
        return global.state();
    }

    @Override
    public void restore(String state) {
        global.restore(state);
    }

    @Override
    public PreprocessConfig preprocessing() {
        return global.preprocessing();
    }

    @Override
    public String vocabulary() {
        return global.vocabulary();
    }

    @Override
    public void close() throws Exception {
        if (closesGlobal) global.close();
    }
}
