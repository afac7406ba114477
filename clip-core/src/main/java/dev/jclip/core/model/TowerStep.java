package dev.jclip.core.model;

import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.Precision;
import dev.jclip.core.nn.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One training pass through both towers: each tower forward, the objective over the two batches of features, each
 * tower backward. The towers share nothing until the objective and write disjoint gradients, so they can run at the
 * same time: the image tower on the calling thread, the text tower on a thread of this model's, each with its kernels
 * on its part of the kernel threads. Where a model's products and kernels are too small to gain from a second
 * thread (RN-TINY: width 16 images, width 128 text), two towers on one thread each use both cores where one tower on
 * two did not. The bits are the same either way: every kernel's result is independent of its thread count, and each
 * tower's work is the same work in the same order.
 *
 * <p>A tower's forward and backward run on one thread: its activations live in that thread's step scope and its
 * blocks' scopes ({@link StepWorkspace}), which ND4J keeps per thread. Only the features and their gradients, [B, E]
 * each, cross between the threads, as copies outside every scope.
 */
final class TowerStep implements AutoCloseable {
    private final ImageTower visual;
    private final TextTransformer text;
    private final Supplier<MemoryWorkspace> stepScope;
    /** Runs the text tower in concurrent steps; made by the first one. */
    private ExecutorService textThread;
    private ClipModel.StepTiming last;
    private Precision precision = Precision.FLOAT32;

    TowerStep(ImageTower visual, TextTransformer text, Supplier<MemoryWorkspace> stepScope) {
        this.visual = visual;
        this.text = text;
        this.stepScope = stepScope;
    }

    /** The towers' products' precision (the objective's stay float32). */
    void setPrecision(Precision precision) {
        this.precision = java.util.Objects.requireNonNull(precision);
    }

    Precision precision() {
        return precision;
    }

    /** A tower's forward or backward, its products in this step's precision. */
    private <T> T inPrecision(Supplier<T> body) {
        return MatMul.inPrecision(precision, body);
    }

    private void inPrecision(Runnable body) {
        MatMul.inPrecision(precision, body);
    }

    /** The last pass's timing. */
    ClipModel.StepTiming lastTiming() {
        return last;
    }

    /**
     * Forward, objective, backward; with {@code threads} ({image, text} kernel threads) the towers at the same time,
     * with null one after the other on the calling thread. Returns the objective's result, detached.
     */
    ClipModel.FeatureLoss run(INDArray images, INDArray tokens, ClipModel.Objective objective, int[] threads) {
        return threads == null ? oneAfterTheOther(images, tokens, objective) : concurrently(images, tokens, objective, threads[0], threads[1]);
    }

    private ClipModel.FeatureLoss oneAfterTheOther(INDArray images, INDArray tokens, ClipModel.Objective objective) {
        try (MemoryWorkspace ws = stepScope.get()) {
            long t0 = System.nanoTime();
            INDArray fi = inPrecision(() -> visual.forward(images));
            long t1 = System.nanoTime();
            INDArray ft = inPrecision(() -> text.forward(tokens));
            long t2 = System.nanoTime();
            long forwardBytes = heldForBackward(ws);
            ClipModel.FeatureLoss r = objective.apply(fi, ft);
            long t3 = System.nanoTime();
            // text first: its activations are freed as its backward goes, before the image tower's backward (the
            // larger) runs; the towers' gradients are disjoint, so the order changes no bits
            inPrecision(() -> text.backward(r.gradTextFeatures()));
            long t4 = System.nanoTime();
            inPrecision(() -> visual.backward(r.gradImageFeatures()));
            long t5 = System.nanoTime();
            last = new ClipModel.StepTiming((t1 - t0) + (t5 - t4), (t2 - t1) + (t4 - t3), forwardBytes, false);
            return r.detach();
        }
    }

    private ClipModel.FeatureLoss concurrently(INDArray images, INDArray tokens, ClipModel.Objective objective,
                                               int imageThreads, int textThreads) {
        CompletableFuture<INDArray> textFeatures = new CompletableFuture<>();
        CompletableFuture<INDArray> textGradient = new CompletableFuture<>();
        long[] textSide = new long[2];   // nanoseconds, bytes held for backward
        Future<?> textPass = textThread().submit(() -> CpuKernels.runWithThreads(textThreads, () -> {
            try (MemoryWorkspace ws = stepScope.get()) {
                long t0 = System.nanoTime();
                try {
                    INDArray ft = inPrecision(() -> text.forward(tokens));
                    textSide[1] = heldForBackward(ws);
                    textFeatures.complete(ft.detach());
                } catch (Throwable e) {
                    textFeatures.completeExceptionally(e);
                    throw e;
                }
                long t1 = System.nanoTime();
                INDArray gradient = textGradient.join();   // fails when the image side did: the scope still closes
                long t2 = System.nanoTime();
                inPrecision(() -> text.backward(gradient));
                textSide[0] = (t1 - t0) + (System.nanoTime() - t2);
            }
            return null;
        }));
        try {
            return CpuKernels.runWithThreads(imageThreads, () -> {
                try (MemoryWorkspace ws = stepScope.get()) {
                    long t0 = System.nanoTime();
                    INDArray fi = inPrecision(() -> visual.forward(images));
                    long imageBytes = heldForBackward(ws);
                    long t1 = System.nanoTime();
                    ClipModel.FeatureLoss r = objective.apply(fi, textFeatures.join());
                    textGradient.complete(r.gradTextFeatures().detach());
                    long t2 = System.nanoTime();
                    inPrecision(() -> visual.backward(r.gradImageFeatures()));
                    long t3 = System.nanoTime();
                    await(textPass);
                    last = new ClipModel.StepTiming((t1 - t0) + (t3 - t2), textSide[0], imageBytes + textSide[1], true);
                    return r.detach();
                }
            });
        } catch (Throwable e) {
            textGradient.completeExceptionally(e);
            try {
                textPass.get();   // its scope closed before this step's caller goes on
            } catch (ExecutionException | InterruptedException ignored) {
                // the first failure is the one reported
            }
            throw unwrap(e);
        }
    }

    /** What a tower's forward left for its backward: its allocations in the step's scope and its blocks' scopes. */
    private static long heldForBackward(MemoryWorkspace ws) {
        return ws.getThisCycleAllocations() + StepWorkspace.keptBytes();
    }

    private static void await(Future<?> pass) {
        try {
            pass.get();
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the text tower ran", e);
        }
    }

    /** The failure itself, not the wrapper a future put around it. */
    private static RuntimeException unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RuntimeException re) return re;
        if (cause instanceof Error err) throw err;
        return new IllegalStateException("the text tower failed", cause);
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * The text tower's thread. It ends after a minute without steps, so that a model dropped without {@link #close}
     * does not keep it (and its step scopes) forever; a later step starts another, whose scopes size themselves again.
     */
    private synchronized ExecutorService textThread() {
        if (textThread == null) {
            ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "jclip-text-tower-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            one.allowCoreThreadTimeOut(true);
            textThread = one;
        }
        return textThread;
    }

    /** Frees the text thread's step scopes and ends it. */
    @Override
    public synchronized void close() {
        if (textThread == null) return;
        try {
            textThread.submit(StepWorkspace::release).get();
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            textThread.shutdown();
            textThread = null;
        }
    }
}
