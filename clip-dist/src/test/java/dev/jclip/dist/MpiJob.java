package dev.jclip.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code mpirun -np N java ... MainClass args} of this JVM's class path and waits for it, with a time limit
 * after which the job is killed and reported as hung. Open MPI's launcher gets what running as root in a container
 * needs ({@code OMPI_ALLOW_RUN_AS_ROOT}) and {@code --oversubscribe} (more ranks than cores).
 */
final class MpiJob {
    /** The two launchers Debian packages: Open MPI's and MPICH's (Hydra). */
    enum Launcher {
        OPEN_MPI("mpirun.openmpi", "--oversubscribe", "--bind-to", "none"),
        MPICH("mpirun.mpich");

        final String command;
        final List<String> options;

        Launcher(String command, String... options) {
            this.command = command;
            this.options = List.of(options);
        }
    }

    record Result(int exitCode, String output, double seconds) {
    }

    static Result run(Launcher launcher, int ranks, int timeLimitSeconds, List<String> jvmOptions, Class<?> main,
                      String... args) throws IOException, InterruptedException {
        Path mpirun = Path.of("/usr/bin", launcher.command);
        if (!Files.isExecutable(mpirun)) {
            throw new IllegalStateException(mpirun + " is missing: ./build/test installs it (apt-get install openmpi-bin"
                    + " libopenmpi-dev mpich libmpich-dev)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(mpirun.toString());
        cmd.addAll(launcher.options);
        cmd.addAll(List.of("-np", Integer.toString(ranks), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-XX:+UseSerialGC", "-Xss512k"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("jclip-mpi", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        // never inherit a launcher's variables from an enclosing job (the worker must see only this one's)
        pb.environment().keySet().removeIf(k -> k.startsWith("PMI_") || k.startsWith("OMPI_COMM_WORLD") || k.startsWith("SLURM_"));
        long start = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor(timeLimitSeconds, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        if (!done) {
            throw new AssertionError(launcher.command + " -np " + ranks + " hung: no exit within " + timeLimitSeconds
                    + " s; output:\n" + output);
        }
        return new Result(p.exitValue(), output, seconds);
    }

    private MpiJob() {
    }
}
