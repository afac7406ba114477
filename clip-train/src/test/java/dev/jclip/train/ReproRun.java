package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;

import java.nio.file.Path;
import java.util.Map;

/**
 * The training run that {@link ReproducibilityTest} starts in separate JVMs: tiny models on synthetic shapes, 30
 * steps of 4 pairs, a checkpoint at step 15. Arguments: {@code threads}, {@code killAt} (0, or a step whose
 * checkpoint is announced and after which the JVM waits to be killed), then runs as {@code model=outputDir} or
 * {@code model=outputDir=resume} ({@code resume}: a checkpoint path or {@code latest}). Prints
 * {@code CHECKPOINT <dir> <step>} after each checkpoint; exits 2 with the message on a configuration error.
 */
public final class ReproRun {
    private ReproRun() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        long killAt = Long.parseLong(args[1]);
        for (int i = 2; i < args.length; i++) {
            String[] run = args[i].split("=", 3);
            try {
                train(run[0], Path.of(run[1]), run.length > 2 ? run[2] : null, threads, killAt);
            } catch (ConfigException e) {
                System.out.println("REFUSED " + e.getMessage());
                System.exit(2);
            }
        }
        System.out.println("DONE");
        System.exit(0);
    }

    static void train(String model, Path out, String resume, int threads, long killAt) throws Exception {
        ClipConfig mc = ClipConfig.load(model);
        var cfg = TestConfigs.of("model", model, "batch-size", 4, "accum-freq", mc.vision().isResNet() ? 1 : 2, "steps", 30,
                "lr", 1e-3, "warmup", 5, "grad-clip-norm", 1.0, "output", out.toString(), "checkpoint-every", 15,
                "keep-checkpoints", 0, "log-every", 10, "seed", 11, "threads", threads,
                // at two threads the ResNet's towers run at the same time (one thread each), at one one after the other:
                // the runs at 1 and 2 threads compare the two schedules too
                "concurrent-towers", "on",
                // clip-onednn's Bf16ReproducibilityTest runs it with bf16 products (-Drepro.precision=bf16)
                "precision", System.getProperty("repro.precision", "float32"));
        if (resume != null) cfg = cfg.with(Map.of("resume", resume), "repro");
        SyntheticBatches data = new SyntheticBatches(64, mc.vision().imageSize(), mc.text().contextLength(), mc.text().vocabSize(), 4, 7);
        Trainer.builder().config(cfg).data(data).interactive(false)
                .onCheckpoint((p, step) -> {
                    System.out.println("CHECKPOINT " + out + " " + step);
                    System.out.flush();
                    if (step == killAt) Thread.sleep(Long.MAX_VALUE);   // written and announced: wait for kill -9
                })
                .build().fit();
    }
}
