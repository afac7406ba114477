package dev.jclip.train.dist;

import dev.jclip.core.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * {@code dist-backend}: which {@link Collective} this process trains with. {@code local}: a world of one.
 * {@code mpi}: the {@link CollectiveProvider} named {@code mpi} (clip-dist), an error when it is not on the class
 * path. {@code auto} (the default): MPI when the provider is present and the environment says the process runs
 * under mpirun or srun ({@link LaunchEnvironment}); a world of one when no launcher started it; and an error when a
 * launcher started several ranks but there is no provider, rather than N independent runs writing one folder.
 */
public final class DistBackend {
    private DistBackend() {
    }

    public static Collective open(String backend, Map<String, String> env) {
        return open(backend, env, providers());
    }

    static Collective open(String backend, Map<String, String> env, List<CollectiveProvider> providers) {
        Optional<CollectiveProvider> mpi = providers.stream().filter(p -> "mpi".equals(p.name())).findFirst();
        Optional<LaunchEnvironment> launched = LaunchEnvironment.of(env);
        switch (backend) {
            case "local":
                return new LocalCollective();
            case "mpi":
                return mpi.orElseThrow(() -> new ConfigException("dist-backend mpi: no MPI collective on the class path (clip-dist, which needs"
                        + " Java 22 or later; this is Java " + Runtime.version().feature() + ")")).open(env);
            case "auto":
                if (mpi.isPresent() && mpi.get().launched(env)) return mpi.get().open(env);
                if (launched.isPresent()) {
                    LaunchEnvironment l = launched.get();
                    throw new ConfigException("this process is rank " + l.rank() + " of " + l.worldSize() + " (" + l.launcher()
                            + ") but no MPI collective is on the class path (clip-dist, Java 22 or later; this is Java "
                            + Runtime.version().feature() + "): the ranks would train " + l.worldSize()
                            + " separate runs into one folder. Run with clip-dist, or pass --dist-backend local to each process on purpose");
                }
                return new LocalCollective();
            default:
                throw new ConfigException("dist-backend must be auto, local or mpi, got '" + backend + "'");
        }
    }

    /** The providers {@link ServiceLoader} finds on the class path (or module path). */
    public static List<CollectiveProvider> providers() {
        List<CollectiveProvider> out = new ArrayList<>();
        ServiceLoader.load(CollectiveProvider.class).forEach(out::add);
        return out;
    }
}
