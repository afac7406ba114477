package dev.jclip.core.nn;

import org.nd4j.linalg.factory.Nd4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * libnd4j's OpenMP thread count for the calling thread. libnd4j's matrix products and oneDNN's convolutions run on
 * as many OpenMP threads as the calling thread's count, which starts at {@code OMP_NUM_THREADS} and cannot be
 * lowered process-wide later ({@code Environment.setMaxThreads} ignores it), but {@code omp_set_num_threads} (libnd4j's
 * {@code NativeOps.setOmpNumThreads}) changes it for the calling thread: {@link #one} runs an op on one OpenMP thread,
 * so that its bits do not depend on the count (measured, docs/TRAINING.md).
 */
final class OpenMpThreads {
    private static final boolean CPU = Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("cpu");
    /** The count a caller's thread is restored to after an op (libnd4j's count at start-up). */
    private static final int START_THREADS = CPU ? Math.max(1, Nd4j.getEnvironment().maxThreads()) : 1;
    private static final ThreadLocal<int[]> OMP = ThreadLocal.withInitial(() -> new int[]{START_THREADS});

    private OpenMpThreads() {
    }

    /** Runs {@code body} with this thread's libnd4j OpenMP count at 1, then restores the count. */
    static void one(Runnable body) {
        int[] current = OMP.get();
        int before = current[0];
        if (before != 1) setOmpThreads(current, 1);
        try {
            body.run();
        } finally {
            // the caller's thread gets its count back (ND4J's other ops keep their threads); pool threads stay at 1
            if (before != 1 && !KernelThreads.onPool()) setOmpThreads(current, before);
        }
    }

    private static void setOmpThreads(int[] current, int n) {
        try {
            SET_OMP_THREADS.invoke(NATIVE_OPS, n);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot set libnd4j's OpenMP thread count", e);
        }
        current[0] = n;
    }

    /*
     * libnd4j's NativeOps.setOmpNumThreads, found by reflection: it lives in nd4j-native-api, which only the
     * application's backend brings (library modules depend on nd4j-api alone).
     */
    private static final Object NATIVE_OPS;
    private static final MethodHandle SET_OMP_THREADS;

    static {
        Object ops = null;
        MethodHandle set = null;
        if (CPU) {
            try {
                Class<?> holder = Class.forName("org.nd4j.nativeblas.NativeOpsHolder");
                Object instance = holder.getMethod("getInstance").invoke(null);
                ops = holder.getMethod("getDeviceNativeOps").invoke(instance);
                Class<?> api = Class.forName("org.nd4j.nativeblas.NativeOps");
                set = MethodHandles.publicLookup().findVirtual(api, "setOmpNumThreads", MethodType.methodType(void.class, int.class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the CPU backend has no NativeOps.setOmpNumThreads: " + e, e);
            }
        }
        NATIVE_OPS = ops;
        SET_OMP_THREADS = set;
    }
}
