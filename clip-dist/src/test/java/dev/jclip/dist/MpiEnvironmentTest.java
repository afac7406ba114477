package dev.jclip.dist;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rank, world size and library choice from the variables each launcher sets (as seen under mpirun.openmpi/mpich). */
class MpiEnvironmentTest {
    @Test
    void openMpisMpirun() {
        MpiEnvironment e = MpiEnvironment.of(Map.of("OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4",
                "OMPI_COMM_WORLD_LOCAL_RANK", "1", "OMPI_COMM_WORLD_LOCAL_SIZE", "2", "PMI_RANK", "9"));
        assertEquals(new MpiEnvironment(MpiEnvironment.Launcher.OPEN_MPI, 3, 4, 1, 2), e);
        assertEquals(List.of("libmpi.so.40"), MpiEnvironment.libraryCandidates(e.launcher(), null));
    }

    @Test
    void mpichsHydra() {
        MpiEnvironment e = MpiEnvironment.of(Map.of("PMI_RANK", "1", "PMI_SIZE", "2", "PMI_FD", "8",
                "MPI_LOCALRANKID", "1", "MPI_LOCALNRANKS", "2"));
        assertEquals(new MpiEnvironment(MpiEnvironment.Launcher.HYDRA, 1, 2, 1, 2), e);
        assertEquals(List.of("libmpich.so.12", "libmpi.so.12"), MpiEnvironment.libraryCandidates(e.launcher(), null));
    }

    @Test
    void slurmsSrunButNotTheBatchScript() {
        assertEquals(new MpiEnvironment(MpiEnvironment.Launcher.SLURM, 5, 8, 1, -1), MpiEnvironment.of(Map.of(
                "SLURM_PROCID", "5", "SLURM_NTASKS", "8", "SLURM_LOCALID", "1", "SLURM_STEP_ID", "0",
                "SLURM_NTASKS_PER_NODE", "4(x2)")));
        assertNull(MpiEnvironment.of(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "8", "SLURM_JOB_ID", "77")),
                "the sbatch script itself is no rank");
        assertEquals(4, MpiEnvironment.libraryCandidates(MpiEnvironment.Launcher.SLURM, null).size());
    }

    @Test
    void noLauncherAndOverrides() {
        assertNull(MpiEnvironment.of(Map.of("HOME", "/root")));
        assertEquals(List.of("/opt/mpi/lib/libmpi.so"),
                MpiEnvironment.libraryCandidates(MpiEnvironment.Launcher.OPEN_MPI, "/opt/mpi/lib/libmpi.so"));
    }

    @Test
    void badValuesAreNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MpiEnvironment.of(
                Map.of("PMI_RANK", "2", "PMI_SIZE", "2")));
        assertTrue(e.getMessage().contains("PMI_RANK=2, PMI_SIZE=2"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> MpiEnvironment.of(
                Map.of("OMPI_COMM_WORLD_RANK", "x", "OMPI_COMM_WORLD_SIZE", "2")));
        assertTrue(e.getMessage().contains("OMPI_COMM_WORLD_RANK=x"), e.getMessage());
    }
}
