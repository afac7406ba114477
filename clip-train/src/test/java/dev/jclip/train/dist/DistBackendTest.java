package dev.jclip.train.dist;

import dev.jclip.core.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistBackendTest {
    /** Registered in this module's test resources (META-INF/services), as clip-dist registers its MPI provider. */
    public static final class RecordingProvider implements CollectiveProvider {
        static final Collective OPENED = new LocalCollective();

        @Override
        public String name() {
            return "mpi";
        }

        @Override
        public Collective open(Map<String, String> env) {
            return OPENED;
        }
    }

    private static final Map<String, String> MPIRUN = Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "4",
            "OMPI_COMM_WORLD_LOCAL_SIZE", "2");

    @Test
    void serviceLoaderFindsTheProviderAndAutoUsesItUnderALauncher() {
        assertTrue(DistBackend.providers().stream().anyMatch(p -> p instanceof RecordingProvider));
        assertSame(RecordingProvider.OPENED, DistBackend.open("auto", MPIRUN));
        assertSame(RecordingProvider.OPENED, DistBackend.open("mpi", Map.of()));
        // started by hand: one process, even with the provider present
        assertInstanceOf(LocalCollective.class, DistBackend.open("auto", Map.of("OMPI_COMM_WORLD_SIZE", "1", "OMPI_COMM_WORLD_RANK", "0")));
        assertInstanceOf(LocalCollective.class, DistBackend.open("local", MPIRUN));
    }

    @Test
    void withoutAProviderAutoRefusesToRunSeveralSeparateRuns() {
        ConfigException e = assertThrows(ConfigException.class, () -> DistBackend.open("auto", MPIRUN, List.of()));
        assertTrue(e.getMessage().contains("rank 1 of 4 (Open MPI (OMPI_COMM_WORLD_SIZE=4))"), e.getMessage());
        ConfigException mpi = assertThrows(ConfigException.class, () -> DistBackend.open("mpi", Map.of(), List.of()));
        assertTrue(mpi.getMessage().contains("no MPI collective on the class path"), mpi.getMessage());
        assertInstanceOf(LocalCollective.class, DistBackend.open("auto", Map.of(), List.of()));
    }

    @Test
    void launchersAreReadFromTheirOwnVariables() {
        assertEquals(new LaunchEnvironment(1, 4, 2, "Open MPI (OMPI_COMM_WORLD_SIZE=4)"), LaunchEnvironment.of(MPIRUN).orElseThrow());
        assertEquals(3, LaunchEnvironment.of(Map.of("PMI_RANK", "3", "PMI_SIZE", "8")).orElseThrow().rank());
        LaunchEnvironment srun = LaunchEnvironment.of(Map.of("SLURM_PROCID", "5", "SLURM_STEP_NUM_TASKS", "6",
                "SLURM_STEP_TASKS_PER_NODE", "3(x2)", "SLURM_NTASKS", "6")).orElseThrow();
        assertEquals(List.of(5, 6, 3), List.of(srun.rank(), srun.worldSize(), srun.localRanks()));
        // an sbatch script outside srun sets SLURM_NTASKS but is no rank
        assertTrue(LaunchEnvironment.of(Map.of("SLURM_NTASKS", "6", "SLURM_PROCID", "0")).isEmpty());
    }
}
