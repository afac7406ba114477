package dev.jclip.dist;

import dev.jclip.train.dist.AbortableCollective;
import dev.jclip.train.dist.CollectiveException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The {@link dev.jclip.train.dist.Collective} of a job started by {@code mpirun} or {@code srun}: MPI's
 * MPI_COMM_WORLD through the MPI C library the launcher belongs to (see {@link MpiEnvironment#libraryCandidates}).
 *
 * <p>Sums: {@code MPI_Allreduce} with {@code MPI_SUM}. Open MPI 4.1 (coll/tuned) and MPICH 4.0 choose the algorithm
 * from the world size and the message size only (recursive doubling for small messages, ring or reduce-scatter +
 * all-gather for large ones), never from arrival order, and in each of them every partial sum is either computed once
 * and sent on or computed by both partners of a pair from the same two operands (float addition commutes exactly).
 * So a sum depends on the inputs only and is the same bits on every rank; MpiCollectiveTest checks both. The
 * association of the sum may differ from a rank-order loop (it depends on the world size and the message size).
 *
 * <p>Data goes through native buffers (Java arrays are copied in and out): an MPI call blocks for as long as the
 * slowest rank, which a heap array pinned for the call would make the garbage collector wait for. Messages are cut
 * into chunks of at most {@code -Djclip.mpi.chunkBytes} bytes (default 1 GiB): MPI counts are {@code int}, and some
 * transports mishandle messages of 2 GiB and more.
 *
 * <p>Failure: the world communicator returns errors (MPI_ERRORS_RETURN) and they become {@link CollectiveException}s
 * with MPI's text. A rank that fails must {@link #abort} (every rank then exits non-zero) rather than {@link #close}
 * (MPI_Finalize waits for all ranks); a JVM that exits with the collective still open aborts the job from a shutdown
 * hook, so {@code System.exit} after an exception never leaves the other ranks waiting.
 */
public final class MpiCollective implements AbortableCollective {
    private static final long DEFAULT_CHUNK_BYTES = 1L << 30;
    private static final long ABORT_GRACE_MILLIS = 500;
    private static MpiCollective started;

    private final MpiLibrary mpi;
    private final MpiAbi.Handles h;
    private final int rank;
    private final int size;
    private final long chunkBytes;
    private final Thread exitHook;
    private Arena buffers = Arena.ofShared();
    private MemorySegment send = MemorySegment.NULL;
    private MemorySegment recv = MemorySegment.NULL;
    private boolean closed;

    /**
     * Starts MPI in this process (once: MPI cannot start again after it finished). The rank and world size come
     * from MPI and must match what the launcher's environment says, when it says anything.
     */
    public static synchronized MpiCollective start() {
        if (started != null) throw new CollectiveException("MPI was already started in this process");
        Map<String, String> env = System.getenv();
        MpiEnvironment launcher = MpiEnvironment.of(env);
        String override = System.getProperty("jclip.mpi.library", env.get("JCLIP_MPI_LIBRARY"));
        // UCX (the fast transport of Debian's MPICH, and of Open MPI on InfiniBand) installs its own SIGSEGV handler
        // as soon as its library is loaded, replacing the JVM's; the JVM takes SIGSEGV itself (implicit null checks,
        // safepoints), so the first one killed the process (seen with MPICH 4.0.2). An empty list, set before the
        // library is loaded, keeps the JVM's handlers. A user's own UCX_ERROR_SIGNALS is left as it is.
        MpiLibrary.setenvIfAbsent("UCX_ERROR_SIGNALS", "");
        MpiLibrary mpi;
        try {
            mpi = MpiLibrary.load(MpiEnvironment.libraryCandidates(launcher == null ? null : launcher.launcher(), override));
        } catch (IllegalStateException e) {
            throw new CollectiveException(e.getMessage(), e);
        }
        started = new MpiCollective(mpi, launcher, Long.getLong("jclip.mpi.chunkBytes", DEFAULT_CHUNK_BYTES));
        return started;
    }

    private MpiCollective(MpiLibrary mpi, MpiEnvironment launcher, long chunkBytes) {
        if (chunkBytes < 8) throw new IllegalArgumentException("jclip.mpi.chunkBytes " + chunkBytes + " < 8");
        this.mpi = mpi;
        this.h = mpi.handles;
        this.chunkBytes = chunkBytes;
        int envRank = launcher == null ? -1 : launcher.rank();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment provided = arena.allocate(JAVA_INT);
            int rc = (int) mpi.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, h.threadSerialized(), provided);
            mpi.check(rc, "MPI_Init_thread", envRank);
            if (provided.get(JAVA_INT, 0) < h.threadSerialized()) {
                throw new CollectiveException("the MPI library (" + mpi.name + ") offers thread level "
                        + provided.get(JAVA_INT, 0) + ", below MPI_THREAD_SERIALIZED: jclip calls MPI from more than one thread");
            }
            mpi.check((int) mpi.setErrhandler.invokeExact(h.commWorld(), h.errorsReturn()), "MPI_Comm_set_errhandler", envRank);
            MemorySegment value = arena.allocate(JAVA_INT);
            mpi.check((int) mpi.commRank.invokeExact(h.commWorld(), value), "MPI_Comm_rank", envRank);
            this.rank = value.get(JAVA_INT, 0);
            mpi.check((int) mpi.commSize.invokeExact(h.commWorld(), value), "MPI_Comm_size", envRank);
            this.size = value.get(JAVA_INT, 0);
        } catch (CollectiveException e) {
            throw e;
        } catch (MpiLibrary.MpiError e) {
            throw new CollectiveException(e.getMessage(), e);
        } catch (Throwable t) {
            throw new CollectiveException("MPI failed to start (" + mpi.name + "): " + t, t);
        }
        if (launcher != null && (launcher.size() != size || launcher.rank() != rank)) {
            throw new CollectiveException("the launcher (" + launcher.launcher() + ") started rank " + launcher.rank()
                    + " of " + launcher.size() + ", but " + mpi.name + " sees rank " + rank + " of " + size
                    + ": the MPI library does not belong to that mpirun (use the library of the launcher, e.g."
                    + " -Djclip.mpi.library=..., or the launcher of the library: mpirun.openmpi / mpirun.mpich)");
        }
        // One line per rank, so that a launcher's report of a dead process by PID (MPICH's Hydra) names its rank too.
        System.err.println("jclip: rank " + rank + " of " + size + " is pid " + ProcessHandle.current().pid() + " on "
                + hostName() + " (" + library() + ")");
        exitHook = new Thread(this::abortAtExit, "jclip-mpi-exit");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    @Override public int rank() { return rank; }
    @Override public int worldSize() { return size; }

    /** The MPI library in use: its file name and the first line of MPI_Get_library_version. */
    public String library() {
        return mpi.name + " (" + mpi.version.lines().findFirst().orElse("").strip() + "; " + mpi.abi + " ABI)";
    }

    @Override public synchronized void allGather(float[] local, float[] out) {
        checkGather(local.length, out.length);
        gather(JAVA_FLOAT, h.floatType(), local.length, (seg, from, count) ->
                MemorySegment.copy(local, from, seg, JAVA_FLOAT, 0, count), (seg, r, from, count) ->
                MemorySegment.copy(seg, JAVA_FLOAT, (long) r * count * 4, out, r * local.length + from, count));
    }

    @Override public synchronized void allGather(double[] local, double[] out) {
        checkGather(local.length, out.length);
        gather(JAVA_DOUBLE, h.doubleType(), local.length, (seg, from, count) ->
                MemorySegment.copy(local, from, seg, JAVA_DOUBLE, 0, count), (seg, r, from, count) ->
                MemorySegment.copy(seg, JAVA_DOUBLE, (long) r * count * 8, out, r * local.length + from, count));
    }

    @Override public synchronized void allReduceSum(float[] buffer) {
        reduce(JAVA_FLOAT, h.floatType(), buffer.length,
                (seg, from, count) -> MemorySegment.copy(buffer, from, seg, JAVA_FLOAT, 0, count),
                (seg, from, count) -> MemorySegment.copy(seg, JAVA_FLOAT, 0, buffer, from, count));
    }

    @Override public synchronized void allReduceSum(double[] buffer) {
        reduce(JAVA_DOUBLE, h.doubleType(), buffer.length,
                (seg, from, count) -> MemorySegment.copy(buffer, from, seg, JAVA_DOUBLE, 0, count),
                (seg, from, count) -> MemorySegment.copy(seg, JAVA_DOUBLE, 0, buffer, from, count));
    }

    @Override public synchronized void broadcast(byte[] buffer, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast root " + root + " outside a world of " + size);
        ensureOpen();
        int chunk = chunkElements(1);
        for (int from = 0; from < buffer.length; from += chunk) {
            int count = Math.min(chunk, buffer.length - from);
            buffers(count, 0);
            if (rank == root) MemorySegment.copy(buffer, from, send, JAVA_BYTE, 0, count);
            int rc;
            try {
                rc = (int) mpi.bcast.invokeExact(send, count, h.byteType(), root, h.commWorld());
            } catch (Throwable t) {
                throw failure("MPI_Bcast", t);
            }
            check(rc, "MPI_Bcast");
            if (rank != root) MemorySegment.copy(send, JAVA_BYTE, 0, buffer, from, count);
        }
    }

    @Override public synchronized void barrier() {
        ensureOpen();
        int rc;
        try {
            rc = (int) mpi.barrier.invokeExact(h.commWorld());
        } catch (Throwable t) {
            throw failure("MPI_Barrier", t);
        }
        check(rc, "MPI_Barrier");
    }

    /** MPI_Finalize: the normal end, after every rank's last collective (it waits for all of them). */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException shuttingDown) {
            // closed from another shutdown hook: nothing to remove
        }
        int rc;
        try {
            rc = (int) mpi.finalizeMpi.invokeExact();
        } catch (Throwable t) {
            throw failure("MPI_Finalize", t);
        } finally {
            buffers.close();
        }
        check(rc, "MPI_Finalize");
    }

    /**
     * MPI_Abort on the world: every rank ends with {@code exitCode}; {@code message} goes to standard error first. Not
     * synchronized: another thread of this rank may hold the lock, blocked in a collective that will never finish.
     */
    @Override public void abort(int exitCode, String message) {
        System.err.println(message);
        System.err.flush();
        try {
            // the launcher forwards each rank's output asynchronously and drops what is in flight when it kills the
            // job (seen with MPICH's Hydra): give it a moment to pass the message on
            Thread.sleep(ABORT_GRACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            int ignored = (int) mpi.abort.invokeExact(h.commWorld(), exitCode == 0 ? 1 : exitCode);
        } catch (Throwable t) {
            // fall through: the process must end either way
        }
        Runtime.getRuntime().halt(exitCode == 0 ? 1 : exitCode);
    }

    private void abortAtExit() {
        synchronized (this) {
            if (closed) return;
        }
        abort(1, "jclip: rank " + rank + " of " + size + " is exiting with MPI still running (it failed, or its"
                + " collective was never closed): ending the whole job");
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "an unnamed host";
        }
    }

    /** Copies {@code count} elements starting at {@code from} between a Java array and a native segment. */
    private interface Copy {
        void apply(MemorySegment segment, int from, int count);
    }

    private interface GatherCopy {
        void apply(MemorySegment segment, int rank, int from, int count);
    }

    private void gather(ValueLayout type, long datatype, int length, Copy in, GatherCopy out) {
        ensureOpen();
        int chunk = chunkElements(type.byteSize());
        for (int from = 0; from < length; from += chunk) {
            int count = Math.min(chunk, length - from);
            buffers(count * type.byteSize(), (long) count * type.byteSize() * size);
            in.apply(send, from, count);
            int rc;
            try {
                rc = (int) mpi.allgather.invokeExact(send, count, datatype, recv, count, datatype, h.commWorld());
            } catch (Throwable t) {
                throw failure("MPI_Allgather", t);
            }
            check(rc, "MPI_Allgather");
            for (int r = 0; r < size; r++) out.apply(recv, r, from, count);
        }
    }

    private void reduce(ValueLayout type, long datatype, int length, Copy in, Copy out) {
        ensureOpen();
        int chunk = chunkElements(type.byteSize());
        for (int from = 0; from < length; from += chunk) {
            int count = Math.min(chunk, length - from);
            buffers(count * type.byteSize(), count * type.byteSize());
            in.apply(send, from, count);
            int rc;
            try {
                rc = (int) mpi.allreduce.invokeExact(send, recv, count, datatype, h.sum(), h.commWorld());
            } catch (Throwable t) {
                throw failure("MPI_Allreduce", t);
            }
            check(rc, "MPI_Allreduce");
            out.apply(recv, from, count);
        }
    }

    private int chunkElements(long elementBytes) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, chunkBytes / elementBytes));
    }

    /** Native send and receive buffers of at least the given sizes (grown, never shrunk). */
    private void buffers(long sendBytes, long recvBytes) {
        if (send.byteSize() >= sendBytes && recv.byteSize() >= recvBytes) return;
        buffers.close();
        buffers = Arena.ofShared();
        send = buffers.allocate(Math.max(sendBytes, send.byteSize()), 64);
        recv = buffers.allocate(Math.max(Math.max(recvBytes, recv.byteSize()), 1), 64);
    }

    private void checkGather(int local, int out) {
        if ((long) local * size != out) {
            throw new IllegalArgumentException("allGather: out has " + out + " elements, a world of " + size + " needs "
                    + (long) local * size);
        }
    }

    private void ensureOpen() {
        if (closed) throw new CollectiveException("rank " + rank + ": the MPI collective is closed");
    }

    private void check(int rc, String function) {
        try {
            mpi.check(rc, function, rank);
        } catch (MpiLibrary.MpiError e) {
            throw new CollectiveException(e.getMessage(), e);
        }
    }

    private CollectiveException failure(String function, Throwable t) {
        return new CollectiveException(function + " could not be called on rank " + rank + ": " + t, t);
    }
}
