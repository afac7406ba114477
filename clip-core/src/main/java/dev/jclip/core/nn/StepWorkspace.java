package dev.jclip.core.nn;

import dev.jclip.core.FreeMemoryRelease;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The memory scopes of a training step. For models up to 30M parameters, the step arena: every temporary of a
 * forward/backward pass (caches, intermediate gradients) is carved out of one block that is reused step after
 * step, instead of each array being allocated and freed off-heap (allocation dominated elementwise work: a 17 MB
 * multiply took 10.8 ms into a new array and 1.7 ms into an existing one); for larger ones, a scope that frees its
 * temporaries when the step ends. Inside either, each block's activations have a scope of their own, freed once the
 * block's backward has run ({@link #forwardKept}), and each block's backward runs in a reused scratch scope. Arrays
 * that must outlive the step (parameters, gradients, optimiser state) are created outside; anything returned from
 * inside must be {@code detach()}ed.
 */
public final class StepWorkspace {
    private static final String ID = "jclip-step";
    /** A reusable arena that learns its size on the first pass and reallocates when a later pass needs more. */
    public static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.05)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private static final String BLOCK_ID = "jclip-block-backward";
    private static final boolean BLOCK_SCRATCH = !"false".equals(System.getProperty("jclip.blockScratch"));

    private StepWorkspace() {
    }

    /**
     * Runs one block's backward pass in a scratch arena of its own that every block reuses: the block's temporaries
     * (gradients of its activations, the attention and MLP intermediates) are dead once it returns, but inside the
     * step arena they would stay until the end of the step (about 40% of it). Only the returned input gradient is
     * copied out, to wherever the caller allocates. {@code -Djclip.blockScratch=false} turns it off.
     */
    public static INDArray backwardInScratch(Supplier<INDArray> backward) {
        return inScratch(backward, false);
    }

    /**
     * As {@link #backwardInScratch}, but the input gradient is copied outside every workspace, for the caller to
     * {@link #free} once the next block has read it. Passed from block to block inside the step's scope, these
     * gradients all stayed until the step ended (RN50 at batch 8: about 170 MB at the end of the image tower's
     * backward; in the arena, part of its size).
     */
    public static INDArray backwardInScratchDetached(Supplier<INDArray> backward) {
        return inScratch(backward, true);
    }

    /**
     * Runs a backward pass that returns nothing (a tower's first layers, whose input needs no gradient) in the
     * scratch arena: its temporaries are dead when it returns.
     */
    public static void backwardInScratch(Runnable backward) {
        if (!BLOCK_SCRATCH) {
            backward.run();
            return;
        }
        try (MemoryWorkspace scratch = openScratch()) {
            backward.run();
        }
    }

    private static final String KEPT_PREFIX = "jclip-block-kept-";
    /** Each allocation on its own, kept after the scope is left, freed when the scope is destroyed or opened again. */
    private static final WorkspaceConfiguration KEPT_CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.NONE)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.EXTERNAL)
            .build();

    private static final AtomicInteger KEPT_OWNERS = new AtomicInteger();

    /** A name of its own for a tower's blocks in {@link #forwardKept} (two towers' block 3 are different scopes). */
    public static String keptScopes() {
        return KEPT_PREFIX + KEPT_OWNERS.incrementAndGet() + "-";
    }

    /**
     * Runs block {@code index} of {@code owner} ({@link #keptScopes}) forward with what it allocates (its output and
     * the activations its backward reads) in a scope of its own, for {@link #freeForward} to free as soon as that
     * block's backward has run, as PyTorch frees what a layer saved once its backward is done. In the step's scope
     * they stayed until the step ended, so the backward of a tower's first blocks came on top of every block's
     * activations. The scope is left open when this returns, only no longer the one allocations go to: ND4J refuses
     * arrays of a closed scope. Only inside a training step's scope ({@link #open}, {@link #openStepFreeingAtEnd}); a
     * forward there that no backward follows keeps its memory until the block's next forward.
     */
    public static INDArray forwardKept(String owner, int index, Supplier<INDArray> forward) {
        MemoryWorkspace caller = Nd4j.getMemoryManager().getCurrentWorkspace();
        // only inside a training step's scope, where a backward follows; elsewhere (encoding, tests without a scope)
        // the activations go where the caller allocates, freed with its scope
        if (!currentScopeIs(ID, SIZING_ID, STEP_FREEING_ID)) return forward.get();
        Nd4j.getWorkspaceManager().getAndActivateWorkspace(KEPT_CONFIG, owner + index);
        try {
            return forward.get();
        } finally {
            Nd4j.getMemoryManager().setCurrentWorkspace(caller);
        }
    }

    /** Frees what block {@code index} of {@code owner} allocated in {@link #forwardKept}: once its backward has run. */
    public static void freeForward(String owner, int index) {
        destroy(owner + index);
    }

    /** Bytes this thread's {@link #forwardKept} scopes hold now: block activations waiting for their backward. */
    public static long keptBytes() {
        long bytes = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (ws.getId().startsWith(KEPT_PREFIX)) bytes += ws.getThisCycleAllocations();
        }
        return bytes;
    }

    /** Whether this thread allocates in one of the scopes {@code ids} now. */
    private static boolean currentScopeIs(String... ids) {
        MemoryWorkspace current = Nd4j.getMemoryManager().getCurrentWorkspace();
        return current != null && Arrays.asList(ids).contains(current.getId());
    }

    private static void destroy(String id) {
        MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
        if (workspaces.checkIfWorkspaceExists(id)) workspaces.destroyWorkspace(workspaces.getWorkspaceForCurrentThread(id));
    }

    /**
     * Frees each of {@code arrays} now that lives outside every workspace (as {@link #backwardInScratchDetached}
     * returns), instead of when the garbage collector gets to its handle: fresh native memory is paid for in page
     * faults, and freed memory is reused by the allocator. Arrays inside a workspace are left to it.
     */
    public static void free(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) a.close();
        }
    }

    /**
     * Runs one block's forward pass of an inference model in the scratch scope: only the block's output is copied
     * out, so encoding holds one block's temporaries at a time. The block's caches for backward point into freed or
     * reused memory afterwards: only for models that never run backward.
     */
    public static INDArray forwardInScratch(Supplier<INDArray> forward) {
        return inScratch(forward, false);
    }

    private static final String BLOCK_FREEING_ID = "jclip-block-freeing";

    /**
     * The scratch scope of one block. Inside the step arena (and the step that sizes it) an arena of its own that
     * every block reuses. Elsewhere (models too large for the step arena, inference) a scope that frees the block's
     * temporaries when it closes, for the allocator to hand to the next block: an arena there grew block by block
     * during the first step (ND4J reallocates it, zeroed, each time a block needs more than the last), and the
     * outgrown arenas stayed with the allocator (RN50 b8: the first backward took 550 MB over the forward's peak).
     */
    private static MemoryWorkspace openScratch() {
        return currentScopeIs(ID, SIZING_ID) ? Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, BLOCK_ID)
                : Nd4j.getWorkspaceManager().getAndActivateWorkspace(FREEING_CONFIG, BLOCK_FREEING_ID);
    }

    /** Runs {@code pass} in the scratch scope; its result is copied to the caller's scope, or outside every scope when {@code detached}. */
    private static INDArray inScratch(Supplier<INDArray> pass, boolean detached) {
        if (!BLOCK_SCRATCH) return pass.get();
        MemoryWorkspace caller = Nd4j.getMemoryManager().getCurrentWorkspace();
        try (MemoryWorkspace scratch = openScratch()) {
            INDArray out = pass.get();
            try (MemoryWorkspace back = caller != null && !detached ? caller.notifyScopeBorrowed()
                    : Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return out.dup(out.ordering());
            }
        }
    }

    /** Bytes currently reserved by this thread's step arena (0 when it has none yet). */
    public static long arenaBytes() {
        if (!Nd4j.getWorkspaceManager().checkIfWorkspaceExists(ID)) return 0;
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(ID).getCurrentSize();
    }

    /** Models up to this many parameters use the arena by default (see {@link #worthwhile(long)}). */
    public static final long DEFAULT_MAX_PARAMETERS = 30_000_000L;

    private static final String STEP_FREEING_ID = "jclip-step-freeing";
    private static final String FREEING_ID = "jclip-freeing";
    /**
     * No arena: each allocation is made on its own ("spilled") and all of them are freed together when the scope
     * closes, instead of whenever the JVM collects their Java handles. ND4J 1.0.0-M2.1 frees a scope's spilled
     * allocations at its close only while it is "learning" with BLOCK_LEFT resets (with LearningPolicy.NONE they
     * stay until the next step opens it), so the scope learns over time and never reaches the cycle at which it
     * would allocate an arena.
     */
    private static final WorkspaceConfiguration FREEING_CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.OVER_TIME)
            .cyclesBeforeInitialization(Integer.MAX_VALUE)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.EXTERNAL)
            .build();

    /**
     * Opens a training step's scope for models too large for the arena ({@link #worthwhile}): their temporaries are
     * freed when it closes, the blocks' activations when each block's backward has run ({@link #forwardKept}).
     * Outside any workspace they were native memory freed only when the JVM collected their small Java handles, which
     * with a small heap could be many steps later (RN50 at batch 8 passed 10 GB resident without a
     * {@code System.gc()} after each step).
     */
    public static MemoryWorkspace openStepFreeingAtEnd() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(FREEING_CONFIG, STEP_FREEING_ID);
    }

    /**
     * The same kind of scope for work that runs no backward (encoding, scoring): everything allocated inside it,
     * blocks' activations included, is freed when it closes.
     */
    public static MemoryWorkspace openFreeingAtEnd() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(FREEING_CONFIG, FREEING_ID);
    }

    /** Destroys this thread's step arenas, freeing their memory now; the next step creates them again. */
    public static void release() {
        for (String id : new String[]{ID, BLOCK_ID, BLOCK_FREEING_ID, STEP_FREEING_ID, FREEING_ID, SIZING_ID, MatMul.PARTIALS_ID}) destroy(id);
        for (String id : Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread()) {
            if (id.startsWith(KEPT_PREFIX)) destroy(id);
        }
    }

    private static final String SIZING_ID = "jclip-step-sizing";

    /**
     * Opens (or re-enters) this thread's step arena; close it at the end of the step (try-with-resources).
     *
     * <p>The arena's size is what one step allocates. The first step measures it in a scope that allocates each
     * temporary on its own and frees them all when it closes ({@link #FREEING_CONFIG}, which counts the bytes); the
     * second creates the arena at that size, after {@link FreeMemoryRelease} has handed the memory the first step freed
     * back to the system. ND4J's own way, an arena that learns its size in its first cycle, frees the learning step's
     * allocations and allocates the arena in the same call, so an allocator that keeps freed memory (tcmalloc, as the
     * launcher runs it) held both at once: MEDIUM b128 peaked at 1.6 GB instead of 1.1. The arena still grows if a
     * later step needs more ({@code SpillPolicy.REALLOCATE}).
     */
    public static MemoryWorkspace open() {
        if (Boolean.getBoolean("jclip.noWorkspace")) return Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
        if (!workspaces.checkIfWorkspaceExists(ID)) {
            if (!workspaces.checkIfWorkspaceExists(SIZING_ID)) {
                return workspaces.getAndActivateWorkspace(FREEING_CONFIG, SIZING_ID);
            }
            MemoryWorkspace sizing = workspaces.getWorkspaceForCurrentThread(SIZING_ID);
            long stepBytes = sizing.getMaxCycleAllocations();
            workspaces.destroyWorkspace(sizing);
            FreeMemoryRelease.release();
            // the same configuration with its size known: ND4J allocates it now, with CONFIG's 5 % margin on top
            WorkspaceConfiguration sized = WorkspaceConfiguration.builder()
                    .initialSize(stepBytes)
                    .policyAllocation(CONFIG.getPolicyAllocation())
                    .overallocationLimit(CONFIG.getOverallocationLimit())
                    .policyLearning(CONFIG.getPolicyLearning())
                    .policyReset(CONFIG.getPolicyReset())
                    .policySpill(CONFIG.getPolicySpill())
                    .build();
            return workspaces.getAndActivateWorkspace(sized, ID);
        }
        return workspaces.getAndActivateWorkspace(CONFIG, ID);
    }

    /**
     * Whether a model of this size should train inside the arena. The arena learns its size from a first step whose
     * temporaries are allocated normally, so that step peaks at about twice a step's working memory; for small
     * models that is cheap and the saved allocations are a large share of the step, for large ones (RN50 at batch 8
     * went past 8 GB) the allocations are a small share of the arithmetic and the doubled peak is not worth it.
     * {@code -Djclip.workspace=always|never} overrides.
     */
    public static boolean worthwhile(long parameters) {
        String mode = System.getProperty("jclip.workspace", "auto");
        if (mode.equals("always")) return true;
        if (mode.equals("never") || Boolean.getBoolean("jclip.noWorkspace")) return false;
        return parameters <= DEFAULT_MAX_PARAMETERS;
    }
}
