package dev.jclip.train.dist;

/** The collective operations data-parallel training needs; one instance per process (rank). */
public interface Collective extends AutoCloseable {
    int rank();
    int worldSize();
    /** Every rank contributes {@code local}; {@code out} (worldSize * local.length) gets them in rank order. */
    void allGather(float[] local, float[] out);
    void allGather(double[] local, double[] out);
    /** In-place element-wise sum over ranks; the result is identical on every rank. */
    void allReduceSum(float[] buffer);
    void allReduceSum(double[] buffer);
    void broadcast(byte[] buffer, int root);
    void barrier();
    @Override void close();
}
