package dev.jclip.dist;

import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.CollectiveProvider;

import java.util.Map;

/** Registers {@link MpiCollective} as the {@code mpi} backend (META-INF/services); it is chosen under mpirun or srun. */
public final class MpiCollectiveProvider implements CollectiveProvider {
    @Override public String name() {
        return "mpi";
    }

    @Override public boolean launched(Map<String, String> env) {
        return MpiEnvironment.of(env) != null;
    }

    @Override public Collective open() {
        return MpiCollective.start();
    }
}
