package dev.jclip.train.dist;

/**
 * A world of one: every collective is the identity (a gather copies, a sum leaves the buffer as it is). The
 * Trainer's default, so one-process training runs through the same code as a distributed one.
 */
public final class LocalCollective implements Collective {
    @Override public int rank() { return 0; }
    @Override public int worldSize() { return 1; }

    @Override public void allGather(float[] local, float[] out) {
        checkGather(local.length, out.length);
        System.arraycopy(local, 0, out, 0, local.length);
    }

    @Override public void allGather(double[] local, double[] out) {
        checkGather(local.length, out.length);
        System.arraycopy(local, 0, out, 0, local.length);
    }

    @Override public void allReduceSum(float[] buffer) { }
    @Override public void allReduceSum(double[] buffer) { }

    @Override public void broadcast(byte[] buffer, int root) {
        if (root != 0) throw new IllegalArgumentException("broadcast root " + root + " outside a world of 1");
    }

    @Override public void barrier() { }
    @Override public void close() { }

    private static void checkGather(int local, int out) {
        if (out != local) {
            throw new IllegalArgumentException("allGather: out has " + out + " elements, a world of 1 needs " + local);
        }
    }
}
