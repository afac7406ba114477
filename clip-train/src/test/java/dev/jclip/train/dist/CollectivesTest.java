package dev.jclip.train.dist;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choosing the backend with no provider on the class path (clip-train alone): a world of one, or a clear error. */
class CollectivesTest {
    private static final Map<String, String> UNDER_MPIRUN = Map.of("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "2");

    @Test
    void withoutALauncherAutoAndLocalGiveAWorldOfOne() {
        assertInstanceOf(LocalCollective.class, Collectives.open("auto", Map.of()));
        assertInstanceOf(LocalCollective.class, Collectives.open("auto", Map.of("PMI_RANK", "0", "PMI_SIZE", "1")));
        assertInstanceOf(LocalCollective.class, Collectives.open("local", UNDER_MPIRUN));
        assertNull(Collectives.launchedBy(UNDER_MPIRUN));
    }

    @Test
    void autoRefusesToRunRanksAloneWhenNoBackendCanJoinThem() {
        CollectiveException e = assertThrows(CollectiveException.class, () -> Collectives.open("auto", UNDER_MPIRUN));
        assertTrue(e.getMessage().startsWith("this process is one of 2 ranks started by mpirun or srun"), e.getMessage());
        assertTrue(e.getMessage().contains("--dist-backend local"), e.getMessage());
        assertThrows(CollectiveException.class, () -> Collectives.open("auto",
                Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "4", "SLURM_STEP_ID", "0")));
        assertInstanceOf(LocalCollective.class, Collectives.open("auto",
                Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "4")), "an sbatch script is no rank");
    }

    @Test
    void aMissingBackendIsNamedWithWhatExists() {
        CollectiveException e = assertThrows(CollectiveException.class, () -> Collectives.open("mpi", UNDER_MPIRUN));
        assertTrue(e.getMessage().startsWith("no distributed backend 'mpi' (available: auto, local)"), e.getMessage());
        assertTrue(e.getMessage().contains("clip-dist"), e.getMessage());
    }

    @Test
    void abortClosesACollectiveThatCannotAbort() {
        boolean[] closed = {false};
        Collective tracking = new Collective() {
            @Override public int rank() { return 0; }
            @Override public int worldSize() { return 1; }
            @Override public void allGather(float[] local, float[] out) { }
            @Override public void allGather(double[] local, double[] out) { }
            @Override public void allReduceSum(float[] buffer) { }
            @Override public void allReduceSum(double[] buffer) { }
            @Override public void broadcast(byte[] buffer, int root) { }
            @Override public void barrier() { }
            @Override public void close() { closed[0] = true; }
        };
        Collectives.abort(tracking, 1, "rank 0 failed");
        assertTrue(closed[0]);
    }
}
