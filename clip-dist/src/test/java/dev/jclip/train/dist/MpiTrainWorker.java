package dev.jclip.train.dist;

import dev.jclip.train.TestConfigs;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rank of the training jobs MpiTrainingTest starts under mpirun: a run of DistributedExactnessTest at
 * global batch {@link #G} with data-order global, through the MPI collective that {@code Collectives.open("auto")}
 * finds, and the same run on one process for the reference. Arguments: {@code OUT MODEL PRECISION ACCUM [KILL_RANK
 * KILL_STEP] [resume]}; each rank writes its final weights to {@code OUT/weights-rank<r>.bin}. With KILL_RANK, that
 * rank sends itself SIGKILL after step KILL_STEP (the rest of the job then waits in a collective that never
 * completes, until the launcher ends it).
 */
public final class MpiTrainWorker {
    public static final int G = 16;
    public static final long STEPS = 10;
    /** A checkpoint every 4 steps: a kill after step 6 leaves step 4's as the resume point. */
    public static final long CHECKPOINT_EVERY = 4;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String model = args[1];
        String precision = args[2];
        int accum = Integer.parseInt(args[3]);
        int killRank = args.length > 5 ? Integer.parseInt(args[4]) : -1;
        long killStep = args.length > 5 ? Long.parseLong(args[5]) : -1;
        boolean resume = args[args.length - 1].equals("resume");
        Collective c = Collectives.open("auto");
        if (c.worldSize() < 2) throw new AssertionError("auto did not find the mpirun job: " + c);
        try {
            TrainConfig cfg = config(out.resolve("run"), model, precision, accum);
            if (resume) cfg = cfg.with(Map.of("resume", "latest"), "test");
            Trainer t = Trainer.builder().config(cfg).data(data(cfg)).collective(c).interactive(false).onStep(m -> {
                if (c.rank() == killRank && m.step() == killStep) {
                    System.out.println("rank " + c.rank() + " kills itself after step " + m.step());
                    System.out.flush();
                    new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).inheritIO().start().waitFor();
                    Thread.sleep(60_000);
                }
            }).build();
            t.fit();
            write(DistributedRuns.weights(t), out.resolve("weights-rank" + c.rank() + ".bin"));
            c.close();
            System.out.println("rank " + c.rank() + " of " + c.worldSize() + " trained");
        } catch (Throwable e) {
            Collectives.abort(c, 1, "jclip: rank " + c.rank() + " failed: " + e);
        }
    }

    /**
     * The run of DistributedExactnessTest: G pairs a step, 10 steps crossing an epoch, seed 3; in float32 the ranks
     * sum their gradients in rank order (gradient-sum rank-order), which one process reproduces with rank-slices.
     */
    public static TrainConfig config(Path out, String model, String precision, int accum) {
        return TestConfigs.of("model", model, "precision", precision, "batch-size", G, "accum-freq", accum,
                "steps", STEPS, "lr", 2e-3, "warmup", 2L, "grad-clip-norm", 1.0, "output", out.toString(),
                "checkpoint-every", CHECKPOINT_EVERY, "log-every", 5, "seed", 3L, "data-order", "global",
                "gradient-sum", "float32".equals(precision) ? "rank-order" : "all-reduce");
    }

    private static dev.jclip.train.BatchSource data(TrainConfig cfg) {
        return DistributedRuns.data(cfg, 5 * G);   // 5 steps an epoch
    }

    /**
     * The same run on one process (LocalCollective): the reference for {@code world} ranks. float64: the plain run,
     * the ResNet's BatchNorm statistics per slice of a rank's micro-batch (bn-ghost-batch); float32: rank-slices
     * {@code world}, the ranks' arithmetic in the same order (what gradient-sum rank-order sums).
     */
    public static Map<String, INDArray> oneProcess(Path out, String model, String precision, int accum, int world) throws Exception {
        TrainConfig cfg = config(out, model, precision, accum);
        if ("float32".equals(precision)) cfg = cfg.with(Map.of("rank-slices", world), "test");
        else if (model.startsWith("RN")) cfg = cfg.with(Map.of("bn-ghost-batch", G / world / accum), "test");
        return DistributedRuns.oneProcess(cfg, data(cfg));
    }

    /** The weights the run starts from (the seed's initialisation). */
    public static Map<String, INDArray> initial(Path out) throws Exception {
        TrainConfig cfg = config(out, "ViT-tiny", "float64", 1);
        return DistributedRuns.weights(Trainer.builder().config(cfg).data(data(cfg)).interactive(false).build());
    }

    /** The largest per-tensor ||a - b|| / ||b||, and its tensor. */
    public static Map.Entry<String, Double> worstRelativeDifference(Map<String, INDArray> a, Map<String, INDArray> b) {
        return DistributedRuns.worstRelativeDifference(a, b);
    }

    static void write(Map<String, INDArray> weights, Path file) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            o.writeInt(weights.size());
            for (Map.Entry<String, INDArray> e : weights.entrySet()) {
                o.writeUTF(e.getKey());
                long[] shape = e.getValue().shape();
                o.writeInt(shape.length);
                for (long s : shape) o.writeLong(s);
                double[] v = e.getValue().castTo(DataType.DOUBLE).reshape(e.getValue().length()).toDoubleVector();
                for (double x : v) o.writeDouble(x);
            }
        }
    }

    /** Weights written by a rank, as float64 arrays (exact for float32 weights too). */
    public static Map<String, INDArray> read(Path file) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                long len = 1;
                for (int d = 0; d < shape.length; d++) len *= shape[d] = in.readLong();
                double[] v = new double[(int) len];
                for (int j = 0; j < v.length; j++) v[j] = in.readDouble();
                out.put(name, Nd4j.createFromArray(v).reshape(shape));
            }
        }
        return out;
    }

    /** Weights of one process, as float64 arrays. */
    public static Map<String, INDArray> asDouble(Map<String, INDArray> w) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        w.forEach((k, v) -> out.put(k, v.castTo(DataType.DOUBLE)));
        return out;
    }

    private MpiTrainWorker() {
    }
}
