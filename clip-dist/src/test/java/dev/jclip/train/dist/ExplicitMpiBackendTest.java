package dev.jclip.train.dist;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --dist-backend mpi} with the MPI provider on the class path: outside mpirun or srun it refuses (a world of
 * one is --dist-backend local's job), naming what is missing and what to do. Under a launcher it is chosen: the
 * mpirun jobs of MpiCollectiveTest and MpiTrainingTest.
 */
class ExplicitMpiBackendTest {
    @Test
    void mpiOutsideALauncherIsRefused() {
        for (Map<String, String> env : java.util.List.of(Map.<String, String>of(),
                Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "4"))) {   // an sbatch script, no srun step
            CollectiveException e = assertThrows(CollectiveException.class, () -> Collectives.open("mpi", env));
            assertTrue(e.getMessage().startsWith("--dist-backend mpi: this process was not started by mpirun or srun"), e.getMessage());
            assertTrue(e.getMessage().contains("mpirun -np N ./clip") && e.getMessage().contains("--dist-backend auto or local"), e.getMessage());
        }
    }
}
