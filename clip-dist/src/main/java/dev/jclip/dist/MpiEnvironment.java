package dev.jclip.dist;

import java.util.List;
import java.util.Map;

/**
 * What the launcher that started this process says about it, read from the environment before MPI starts: which
 * launcher (so which MPI library to load), this process's rank and the world size, and its place on its node.
 *
 * @param launcher   who started the process
 * @param rank       this process's rank in the job
 * @param size       the number of processes in the job
 * @param localRank  this process's index among the job's processes on this node (-1 when the launcher does not say)
 * @param localSize  the number of the job's processes on this node (-1 when the launcher does not say)
 */
public record MpiEnvironment(Launcher launcher, int rank, int size, int localRank, int localSize) {

    /** The launchers whose environment jclip reads; each one's variables are those it documents. */
    public enum Launcher {
        /** Open MPI's {@code mpirun} / {@code mpiexec} (ORTE or PRRTE): {@code OMPI_COMM_WORLD_*}. */
        OPEN_MPI,
        /** MPICH's Hydra {@code mpiexec} (also Intel MPI, MVAPICH): {@code PMI_RANK}, {@code PMI_SIZE}, {@code MPI_LOCALRANKID}. */
        HYDRA,
        /** SLURM's {@code srun}: {@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID} inside a job step. */
        SLURM
    }

    /** The launcher's view of this process, or null when no launcher this class knows started it. */
    public static MpiEnvironment of(Map<String, String> env) {
        if (env.containsKey("OMPI_COMM_WORLD_RANK")) {
            return read(env, Launcher.OPEN_MPI, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                    "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE");
        }
        if (env.containsKey("PMI_RANK")) {
            return read(env, Launcher.HYDRA, "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS");
        }
        // SLURM_PROCID is set in an sbatch script too (as 0, for the batch step): only a step started by srun counts
        if (env.containsKey("SLURM_PROCID") && (env.containsKey("SLURM_STEP_ID") || env.containsKey("SLURM_STEPID"))) {
            return read(env, Launcher.SLURM, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE");
        }
        return null;
    }

    /**
     * The MPI libraries to try, in order: the one named by {@code -Djclip.mpi.library} or {@code JCLIP_MPI_LIBRARY}
     * (a file name or path), else the one that belongs to the launcher: Open MPI's {@code libmpi.so.40}, the MPICH
     * family's {@code libmpich.so.12} (MPICH) or {@code libmpi.so.12} (Intel MPI, MVAPICH); under srun either.
     */
    public static List<String> libraryCandidates(Launcher launcher, String override) {
        if (override != null && !override.isBlank()) return List.of(override);
        List<String> openMpi = List.of("libmpi.so.40");
        List<String> mpich = List.of("libmpich.so.12", "libmpi.so.12");
        if (launcher == Launcher.OPEN_MPI) return openMpi;
        if (launcher == Launcher.HYDRA) return mpich;
        return List.of("libmpi.so.40", "libmpich.so.12", "libmpi.so.12", "libmpi_abi.so");
    }

    private static MpiEnvironment read(Map<String, String> env, Launcher launcher, String rank, String size,
                                       String localRank, String localSize) {
        int r = integer(env, rank, -1);
        int n = integer(env, size, -1);
        if (r < 0 || n < 1 || r >= n) {
            throw new IllegalStateException(launcher + " environment: " + rank + "=" + env.get(rank) + ", " + size + "="
                    + env.get(size) + " is not a rank inside a world (0 <= rank < size)");
        }
        return new MpiEnvironment(launcher, r, n, integer(env, localRank, -1), integer(env, localSize, -1));
    }

    private static int integer(Map<String, String> env, String name, int missing) {
        String v = env.get(name);
        if (v == null) return missing;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            // SLURM_NTASKS_PER_NODE may be absent or a list; a local size jclip cannot read is "unknown"
            if (name.equals("SLURM_NTASKS_PER_NODE")) return missing;
            throw new IllegalStateException("environment variable " + name + "=" + v + " is not an integer");
        }
    }
}
