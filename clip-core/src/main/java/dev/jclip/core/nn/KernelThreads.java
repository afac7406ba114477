package dev.jclip.core.nn;

import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the fused CPU kernels on as many Java threads as ND4J is allowed ({@code Threads.configure}, i.e. the
 * {@code --threads} option), so that kernels written in Java scale like ND4J's own ops. The calling thread takes
 * one share; the others go to a pool of daemon threads that sleep (not spin) between kernels, leaving the cores
 * to ND4J's OpenMP threads while a GEMM runs. {@code -Djclip.kernelThreads=N} overrides the count (for experiments).
 * The kernels' results do not depend on the count (each share computes whole rows or elements; see {@link CpuKernels}).
 */
final class KernelThreads {
    /** A share of work [from, to). */
    interface Range {
        void run(int from, int to);
    }

    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new PoolThread(r);
        t.setDaemon(true);
        return t;
    });

    /** The pool's threads: they run kernels and {@link MatMul} blocks only. */
    private static final class PoolThread extends Thread {
        PoolThread(Runnable r) {
            super(r, "jclip-kernel");
        }
    }

    /** Whether the calling thread is one of the pool's. */
    static boolean onPool() {
        return Thread.currentThread() instanceof PoolThread;
    }

    private KernelThreads() {
    }

    private static final int OVERRIDE = Integer.getInteger("jclip.kernelThreads", 0);
    /** The count set by {@code Threads.configure}; 0: follow ND4J. */
    private static volatile int configured;

    /**
     * Sets the thread count ({@code Threads.configure} does). ND4J's {@code setMaxThreads} cannot lower its own count
     * below the {@code OMP_NUM_THREADS} it started with (measured: {@code maxThreads()} stays 2), so the kernels keep
     * their own.
     */
    static void configure(int n) {
        configured = Math.max(0, n);
    }

    /** The calling thread's own count while it runs one tower of two ({@link #runWith}); 0: the process's. */
    private static final ThreadLocal<int[]> OWN = ThreadLocal.withInitial(() -> new int[1]);

    /** The process's count: {@code -Djclip.kernelThreads}, else {@code Threads.configure}'s, else ND4J's. */
    static int total() {
        if (OVERRIDE > 0) return OVERRIDE;
        if (configured > 0) return configured;
        return Math.max(1, Nd4j.getEnvironment().maxThreads());
    }

    /** The count the calling thread's kernels split over: its own when one is set, else the process's. */
    static int threads() {
        int own = OWN.get()[0];
        return own > 0 ? own : total();
    }

    /**
     * Runs {@code body} with the calling thread's kernels on {@code n} threads, whatever the process's count, then
     * restores the thread's count: for two passes that share the cores, each on its part of them.
     */
    static <T> T runWith(int n, java.util.function.Supplier<T> body) {
        int[] own = OWN.get();
        int before = own[0];
        own[0] = Math.max(1, n);
        try {
            return body.get();
        } finally {
            own[0] = before;
        }
    }

    /**
     * Splits [0, n) into contiguous shares of at least {@code grain} items, at most one per thread, and runs them;
     * returns when all are done, rethrowing the first failure.
     */
    static void parallelFor(int n, int grain, Range body) {
        int shares = Math.min(threads(), Math.max(1, n / Math.max(1, grain)));
        if (shares <= 1) {
            body.run(0, n);
            return;
        }
        Future<?>[] others = new Future<?>[shares - 1];
        for (int s = 1; s < shares; s++) {
            int from = (int) ((long) n * s / shares), to = (int) ((long) n * (s + 1) / shares);
            others[s - 1] = POOL.submit(() -> body.run(from, to));
        }
        body.run(0, n / shares);
        Throwable failure = null;
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) failure = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException("kernel thread failed", failure);
    }
}
