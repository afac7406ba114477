package dev.jclip.cli.commands;

import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;
import picocli.CommandLine.Option;

/** {@code --dist-backend}: how this process joins a multi-process job (see docs/SCALING.md). */
public final class DistBackendOption {
    @Option(names = "--dist-backend", paramLabel = "auto|local|mpi",
            description = "auto: MPI when started by mpirun or srun, else one process; local: one process; mpi: MPI"
                    + " (needs clip-dist, Java 25) (default: ${DEFAULT-VALUE})")
    String backend = "auto";

    /** The collective of this process. */
    public Collective open() {
        return Collectives.open(backend);
    }
}
