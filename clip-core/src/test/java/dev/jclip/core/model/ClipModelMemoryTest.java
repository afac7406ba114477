package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.StepWorkspace;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Native memory is freed when its owner says so (a step ends, a model closes), never left to the garbage collector. */
class ClipModelMemoryTest {
    private static INDArray tokens(int batch, int context) {
        int[][] t = new int[batch][context];
        for (int i = 0; i < batch; i++) {
            t[i][0] = 998;
            t[i][1] = 1 + i;
            t[i][2] = 999;
        }
        return Nd4j.createFromArray(t);
    }

    @Test
    void aStepOutsideTheArenaFreesItsTemporariesWhenItEnds() {
        // What the System.gc() after each step of a large model used to hide: outside any workspace a step's
        // temporaries (activations kept for backward, every intermediate gradient) stay allocated until the JVM
        // collects their small Java handles. In the freeing scope they are its external allocations, freed at its end.
        try (ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 3)) {
            Nd4jWorkspace scope;
            int during;
            long bytesDuring;
            try (MemoryWorkspace ws = StepWorkspace.openFreeingAtEnd()) {
                scope = (Nd4jWorkspace) ws;
                ContrastiveLoss.Result r = ContrastiveLoss.compute(model.encodeImage(Nd4j.rand(DataType.FLOAT, 16, 3, 32, 32)),
                        model.encodeText(tokens(16, 16)), model.logitScale());
                model.backwardImage(r.gradImageFeatures());
                model.backwardText(r.gradTextFeatures());
                during = scope.getNumberOfExternalAllocations();
                bytesDuring = scope.getThisCycleAllocations();
            }
            assertTrue(during > 50, "the step's temporaries went through the scope: " + during + " arrays, " + bytesDuring + " bytes");
            assertEquals(0, scope.getNumberOfExternalAllocations(), "freed when the step ended");
            assertEquals(0, scope.getCurrentSize(), "no arena kept");
        }
    }

    @Test
    void aResNetFreesEachBlocksActivationsOnceItsBackwardHasRun() {
        // PyTorch frees what a layer saved for backward as soon as that layer's backward has run; in the step's scope
        // every block's activations stayed to the end, under the backward of the first (largest) blocks.
        StepWorkspace.release();   // this thread's arenas from other tests
        try (ClipModel model = ClipModel.create(ClipConfig.preset("RN-tiny"), 6)) {
            try (MemoryWorkspace ws = StepWorkspace.openFreeingAtEnd()) {
                model.encodeImage(Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64));
                assertEquals(List.of(), keptScopes(), "encoding (no backward follows) keeps nothing past its scope");
            }
            try (MemoryWorkspace ws = StepWorkspace.openStepFreeingAtEnd()) {
                INDArray features = model.encodeImage(Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64));
                List<String> kept = keptScopes();
                assertFalse(kept.isEmpty(), "each bottleneck's forward has a scope of its own");
                for (String id : kept) {
                    Nd4jWorkspace scope = (Nd4jWorkspace) Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id);
                    assertTrue(scope.getNumberOfExternalAllocations() > 0, id + " holds its block's activations");
                }
                assertEquals(ws, Nd4j.getMemoryManager().getCurrentWorkspace(), "allocations go to the step's scope again");
                model.backwardImage(Nd4j.onesLike(features));
                assertEquals(List.of(), keptScopes(), "freed block by block in backward");
                // outside the step arena the blocks' backward temporaries are freed too, not kept in an arena that
                // grew block by block
                assertFalse(Nd4j.getWorkspaceManager().checkIfWorkspaceExists("jclip-block-backward"));
                assertTrue(Nd4j.getWorkspaceManager().checkIfWorkspaceExists("jclip-block-freeing"));
            }
        }
    }

    private static List<String> keptScopes() {
        return Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread().stream()
                .filter(id -> id.startsWith("jclip-block-kept-")).toList();
    }

    @Test
    void theArenaIsCreatedAtTheSecondStepAtTheSizeTheFirstMeasured() {
        // The first step runs in a scope that counts its bytes and frees them when it closes; the arena comes only
        // at the second, after that memory is gone (and handed back to the system where tcmalloc keeps it).
        try (ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 5)) {
            long measured;
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                assertEquals(0, StepWorkspace.arenaBytes(), "no arena during the first step");
                step(model);
                measured = ws.getThisCycleAllocations();
            }
            assertTrue(measured > 100_000, "the first step's bytes were counted: " + measured);
            assertEquals(0, ((Nd4jWorkspace) Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("jclip-step-sizing"))
                    .getNumberOfExternalAllocations(), "the first step's temporaries are freed when it ends");

            long arena;
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                arena = StepWorkspace.arenaBytes();
                assertTrue(arena >= measured && arena <= measured * 1.06, "arena " + arena + " for " + measured + " bytes");
                step(model);
                assertEquals(0, ((Nd4jWorkspace) ws).getSpilledSize(), "the second step fits in the arena");
            }
            assertFalse(Nd4j.getWorkspaceManager().checkIfWorkspaceExists("jclip-step-sizing"), "the measuring scope is gone");
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                step(model);
            }
            assertEquals(arena, StepWorkspace.arenaBytes(), "later steps keep the arena");
        }
    }

    private static void step(ClipModel model) {
        ContrastiveLoss.Result r = ContrastiveLoss.compute(model.encodeImage(Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32)),
                model.encodeText(tokens(8, 16)), model.logitScale());
        model.backwardImage(r.gradImageFeatures());
        model.backwardText(r.gradTextFeatures());
    }

    @Test
    void closeFreesTheParametersGradientsBuffersAndArenas() {
        ClipModel model = ClipModel.create(ClipConfig.preset("RN-tiny"), 4);
        model.trainStep(Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64), tokens(4, 16)); // measures the step arena's size
        model.trainStep(Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64), tokens(4, 16)); // creates it
        assertTrue(StepWorkspace.arenaBytes() > 0);
        model.close();
        assertTrue(model.parameters().flatValues().wasClosed());
        assertTrue(model.parameters().flatGrads().wasClosed());
        assertFalse(model.parameters().buffers().isEmpty(), "RN-tiny has BatchNorm buffers");
        for (var e : model.parameters().buffers().entrySet()) assertTrue(e.getValue().wasClosed(), e.getKey());
        assertEquals(0, StepWorkspace.arenaBytes());
        model.close(); // twice is harmless
    }
}
