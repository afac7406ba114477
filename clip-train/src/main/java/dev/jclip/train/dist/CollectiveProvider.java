package dev.jclip.train.dist;

import java.util.Map;

/**
 * A way to start a {@link Collective} that another module supplies, found through {@link java.util.ServiceLoader}
 * (clip-dist registers the MPI one). {@link Collectives#open} asks each provider whether the process was started by
 * a launcher it serves ({@code mpirun}, {@code srun}); none means a world of one.
 */
public interface CollectiveProvider {

    /** The backend's name, as {@code --dist-backend} takes it (e.g. {@code mpi}). */
    String name();

    /** Whether the environment says this process is one rank of a job this provider can join. */
    boolean launched(Map<String, String> env);

    /** Joins the job; a clear {@link CollectiveException} when the library is missing or refuses to start. */
    Collective open();

}
