package dev.jclip.train.dist;

import java.lang.reflect.Array;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A world of N ranks inside one JVM, each rank a thread holding its own instance (from {@link #world}). It exists
 * to test distributed training without MPI: the arithmetic matches what the MPI collective must give.
 * <p>
 * Each operation is two rendezvous: every rank publishes its buffer, all meet, each computes its result from the
 * published buffers, all meet again (so nobody overwrites a buffer another still reads). Sums are taken in rank
 * order 0, 1, ..., N-1 by every rank, so every rank gets the same bits. A rank that closes its instance before the
 * others (a failing rank, in a try-with-resources) breaks the rendezvous: the others throw at once; a rank that
 * never arrives makes the others throw after the timeout. Nothing hangs.
 */
public final class ThreadCollective implements Collective {
    /** What the ranks of one world share. */
    private static final class Rendezvous {
        final int size;
        final CyclicBarrier barrier;
        final Object[] published;
        final long timeoutNanos;
        volatile String failure;

        Rendezvous(int size, Duration timeout) {
            this.size = size;
            this.barrier = new CyclicBarrier(size);
            this.published = new Object[size];
            this.timeoutNanos = timeout.toNanos();
        }
    }

    private final Rendezvous world;
    private final int rank;
    private boolean closed;

    private ThreadCollective(Rendezvous world, int rank) {
        this.world = world;
        this.rank = rank;
    }

    /** N ranks sharing one rendezvous; hand element r to the thread of rank r. */
    public static List<ThreadCollective> world(int size, Duration timeout) {
        if (size < 1) throw new IllegalArgumentException("world size must be at least 1, got " + size);
        Rendezvous w = new Rendezvous(size, timeout);
        List<ThreadCollective> out = new ArrayList<>(size);
        for (int r = 0; r < size; r++) out.add(new ThreadCollective(w, r));
        return out;
    }

    @Override public int rank() { return rank; }
    @Override public int worldSize() { return world.size; }

    @Override
    public void allGather(float[] local, float[] out) {
        gather(local, local.length, out, out.length);
    }

    @Override
    public void allGather(double[] local, double[] out) {
        gather(local, local.length, out, out.length);
    }

    /** allGather for either primitive array type: {@code local} and {@code out} are arrays of the same type. */
    private void gather(Object local, int localLength, Object out, int outLength) {
        Object[] all = exchange(local);
        checkGather(all, localLength, outLength);
        for (int r = 0; r < all.length; r++) System.arraycopy(all[r], 0, out, r * localLength, localLength);
        meet();
    }

    @Override
    public void allReduceSum(float[] buffer) {
        reduceSum(buffer, buffer.length, (sum, b) -> {
            float[] s = (float[]) sum, x = (float[]) b;
            for (int i = 0; i < s.length; i++) s[i] += x[i];
        });
    }

    @Override
    public void allReduceSum(double[] buffer) {
        reduceSum(buffer, buffer.length, (sum, b) -> {
            double[] s = (double[]) sum, x = (double[]) b;
            for (int i = 0; i < s.length; i++) s[i] += x[i];
        });
    }

    /**
     * allReduceSum for either primitive array type: rank 0's buffer copied, then {@code add} adds rank 1's, 2's,
     * ... into it, the same order on every rank.
     */
    private void reduceSum(Object buffer, int length, BiConsumer<Object, Object> add) {
        Object[] all = exchange(buffer);
        checkSameLength(all, length, "allReduceSum");
        Object sum = Array.newInstance(buffer.getClass().getComponentType(), length);
        System.arraycopy(all[0], 0, sum, 0, length);
        for (int r = 1; r < all.length; r++) add.accept(sum, all[r]);
        meet();   // everyone has read every buffer: now each may overwrite its own
        System.arraycopy(sum, 0, buffer, 0, length);
    }

    @Override
    public void broadcast(byte[] buffer, int root) {
        if (root < 0 || root >= world.size) throw new IllegalArgumentException("broadcast root " + root + " outside a world of " + world.size);
        Object[] all = exchange(buffer);
        byte[] src = (byte[]) all[root];
        if (src.length != buffer.length) {
            meet();
            throw new IllegalArgumentException("broadcast: rank " + rank + " has " + buffer.length + " bytes, root " + root + " has " + src.length);
        }
        if (rank != root) System.arraycopy(src, 0, buffer, 0, src.length);
        meet();
    }

    @Override
    public void barrier() {
        meet();
    }

    /**
     * Leaves the world. Called while others still wait for this rank (it failed), it makes them throw now rather
     * than at their timeout.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (world.failure == null) world.failure = "rank " + rank + " left the world (closed its collective)";
        world.barrier.reset();
    }

    /** Publishes this rank's buffer and returns everyone's, after all have published. */
    private Object[] exchange(Object buffer) {
        world.published[rank] = buffer;
        meet();
        return world.published.clone();
    }

    private void meet() {
        if (closed) throw new IllegalStateException("rank " + rank + ": collective used after close");
        String failed = world.failure;
        if (failed != null) throw new CollectiveException("rank " + rank + ": " + failed);
        try {
            world.barrier.await(world.timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            world.failure = "rank " + rank + " waited " + Duration.ofNanos(world.timeoutNanos).toSeconds() + " s for the other ranks";
            world.barrier.reset();
            throw new CollectiveException(world.failure);
        } catch (BrokenBarrierException e) {
            String why = world.failure;
            throw new CollectiveException("rank " + rank + ": " + (why != null ? why : "another rank broke the rendezvous"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            world.failure = "rank " + rank + " was interrupted";
            world.barrier.reset();
            throw new CollectiveException(world.failure);
        }
    }

    private void checkGather(Object[] all, int local, int out) {
        checkSameLength(all, local, "allGather");
        if (out != local * world.size) {
            meet();
            throw new IllegalArgumentException("allGather on rank " + rank + ": out has " + out + " elements, " + world.size
                    + " ranks of " + local + " need " + (long) local * world.size);
        }
    }

    private void checkSameLength(Object[] all, int length, String op) {
        for (int r = 0; r < all.length; r++) {
            int n = Array.getLength(all[r]);
            if (n != length) {
                meet();
                throw new IllegalArgumentException(op + ": rank " + rank + " has " + length + " elements but rank " + r + " has " + n);
            }
        }
    }
}
