package dev.jclip.train.dist;

import java.util.Map;

/**
 * A source of {@link Collective}s that lives in another module (clip-dist's MPI collective, compiled for Java 25,
 * or later an NCCL one), found with {@link java.util.ServiceLoader}: the module lists its implementation in
 * {@code META-INF/services/dev.jclip.train.dist.CollectiveProvider} (and {@code provides ... with ...} in a
 * module-info), and {@link DistBackend} picks it by {@link #name()}. An implementation needs a public no-argument
 * constructor and must be cheap to construct: loading the native library belongs in {@link #open}.
 */
public interface CollectiveProvider {
    /** The backend name that selects it: {@code mpi} for clip-dist. */
    String name();

    /**
     * Whether {@code env} (the process environment) says this process was started by a launcher this provider
     * serves, e.g. {@code mpirun} ({@code OMPI_COMM_WORLD_SIZE}, {@code PMI_SIZE}) or {@code srun}. The default
     * reads the variables of {@link LaunchEnvironment}.
     */
    default boolean launched(Map<String, String> env) {
        return LaunchEnvironment.of(env).isPresent();
    }

    /**
     * Joins the job: initialises the library once per process and returns this process's collective (its rank
     * and world size from the library). Throws with a message naming what is missing (the library, its ABI).
     */
    Collective open(Map<String, String> env);
}
