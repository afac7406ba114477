package dev.jclip.train.dist;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the process launcher says about this process: its rank, the world size and the ranks on this machine, from
 * the variables Open MPI's {@code mpirun}, MPICH's Hydra (and Intel MPI, MVAPICH) and SLURM's {@code srun} set.
 * Only a world of more than one counts as launched.
 *
 * @param launcher which variables said so (for messages)
 */
public record LaunchEnvironment(int rank, int worldSize, int localRanks, String launcher) {
    /** rank, world size and local size variables of each launcher, the most specific first. */
    private static final List<String[]> LAUNCHERS = List.of(
            new String[]{"Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE"},
            new String[]{"MPICH (Hydra)", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"},
            new String[]{"MVAPICH", "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE"},
            // SLURM_STEP_NUM_TASKS is set inside an srun step only (SLURM_NTASKS is set in a whole sbatch script too)
            new String[]{"SLURM srun", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_STEP_TASKS_PER_NODE"});

    /** The launcher's view, or empty when the process was not started as one of several ranks. */
    public static Optional<LaunchEnvironment> of(Map<String, String> env) {
        for (String[] l : LAUNCHERS) {
            Integer size = integer(env.get(l[2]));
            Integer rank = integer(env.get(l[1]));
            if (size == null || rank == null || size < 2) continue;
            Integer local = integer(env.get(l[3]));   // SLURM's may read "2(x3)": then the leading count
            return Optional.of(new LaunchEnvironment(rank, size, local == null || local < 1 ? 1 : local, l[0] + " (" + l[2] + "=" + size + ")"));
        }
        return Optional.empty();
    }

    private static Integer integer(String s) {
        if (s == null) return null;
        String t = s.strip();
        int end = 0;
        while (end < t.length() && Character.isDigit(t.charAt(end))) end++;
        if (end == 0) return null;
        try {
            return Integer.parseInt(t.substring(0, end));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
