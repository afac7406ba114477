package dev.jclip.cli.commands;

import dev.jclip.cli.Main;
import dev.jclip.core.config.ConfigException;
import dev.jclip.train.TrainOption;
import picocli.CommandLine;
import dev.jclip.cli.UsageException;
import dev.jclip.data.image.ImageEncoder;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.train.SyntheticBatches;
import dev.jclip.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    @TempDir
    Path tmp;

    /** Synthetic pairs at ViT-tiny's shapes: enough to exercise the command's wiring (learning is tested in clip-train). */
    private static SyntheticBatches pairs(int batch, int batchesPerEpoch) {
        return new SyntheticBatches(batch * batchesPerEpoch, 32, 16, 1000, batch, 7);
    }

    private static TrainConfig parse(String... argv) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(argv);
        return cmd.config();
    }

    @Test
    void commandLineOverridesConfigFileOverridesDefaults() throws Exception {
        Path file = tmp.resolve("run.json");
        Files.writeString(file, "{\"model\": \"ViT-tiny\", \"batch-size\": 32, \"lr\": 1e-3, \"lock-text\": true}");
        TrainConfig c = parse("--config", file.toString(), "--batch-size", "16",
                "--accum-freq", "4", "--lock-image", "--warmup", "5", "--output", "runs/x", "--beta2", "0.99", "--threads", "1");
        assertEquals("ViT-tiny", c.model().name());
        assertEquals(16, c.data().batchSize());
        assertEquals(4, c.optimisation().accumFreq());
        assertEquals(1e-3, c.optimisation().lr());
        assertTrue(c.model().lockText() && c.model().lockImage());
        assertEquals(5, c.schedule().warmup());
        assertEquals(0.99, c.optimisation().beta2());
        assertEquals(1, c.runtime().threads());
        assertEquals(java.util.Set.of("model", "batch-size", "lr", "lock-text", "accum-freq", "lock-image", "warmup",
                "output", "beta2", "threads"), c.explicitOptions());
        assertEquals(TrainConfig.defaults().data().workers(), c.data().workers());
        // every training option is a flag of clip train, typed and described
        CommandLine cl = new CommandLine(new TrainCommand());
        for (TrainOption o : TrainOption.ALL) {
            assertTrue(cl.getCommandSpec().optionsMap().containsKey("--" + o.name()), o.name());
        }
        UsageException e = assertThrows(UsageException.class,
                () -> Main.invoke(new TrainCommand(), List.of("--bach-size", "16")));
        assertTrue(e.getMessage().contains("bach-size"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Main.invoke(new TrainCommand(), List.of("--steps", "many")));
        assertTrue(e.getMessage().contains("--steps"), e.getMessage());
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"warmpu\": 5}");
        ConfigException ce = assertThrows(ConfigException.class, () -> parse("--config", bad.toString()));
        assertTrue(ce.getMessage().contains("unknown training option 'warmpu' (did you mean 'warmup'?)"), ce.getMessage());
    }

    @Test
    void configErrorsStopBeforeTheRunFolderIsCreated() {
        Path out = tmp.resolve("run");
        boolean[] opened = {false};
        TrainCommand cmd = new TrainCommand(cfg -> {
            opened[0] = true;
            return pairs(cfg.data().batchSize(), 4);
        });
        ConfigException e = assertThrows(ConfigException.class, () -> Main.invoke(cmd, List.of("--model", "ViT-tiny",
                "--batch-size", "10", "--accum-freq", "4", "--output", out.toString())));
        assertTrue(e.getMessage().contains("not divisible"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Main.invoke(new TrainCommand(cfg -> pairs(8, 4)),
                List.of("--model", "ViT-huge-typo", "--output", out.toString())));
        assertTrue(e.getMessage().contains("ViT-huge-typo"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Main.invoke(new TrainCommand(cfg -> pairs(8, 4)), List.of("--model", "ViT-tiny", "--batch-size", "8",
                "--warmup", "1", "--output", out.toString(), "--resume", "latest")));
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
        // a backend that is not on the class path (clip-dist, the MPI one, is there when built on JDK 25)
        RuntimeException mpi = assertThrows(dev.jclip.train.dist.CollectiveException.class, () -> Main.invoke(new TrainCommand(cfg -> pairs(8, 4)),
                List.of("--model", "ViT-tiny", "--batch-size", "8", "--warmup", "1", "--output", out.toString(), "--dist-backend", "nccl")));
        assertTrue(mpi.getMessage().contains("no distributed backend 'nccl'"), mpi.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void trainsAndWritesTheRunFolder() throws Exception {
        Path out = tmp.resolve("run");
        TrainCommand cmd = new TrainCommand(cfg -> pairs(cfg.data().batchSize(), 2));
        int rc = Main.invoke(cmd, List.of("--model", "ViT-tiny", "--batch-size", "8", "--accum-freq", "2",
                "--epochs", "2", "--lr", "1e-3", "--warmup", "1", "--output", out.toString(), "--checkpoint-every", "2",
                "--seed", "3", "--threads", "1"));
        assertEquals(0, rc);
        for (String f : List.of("config.json", "metrics.jsonl", "train.log", "model.safetensors",
                "checkpoints/step-00000004.safetensors", "checkpoints/step-00000002.safetensors")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
        }
        assertEquals(4, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertEquals(8, TrainConfig.restore(Files.readString(out.resolve("config.json")), "config.json").data().batchSize());
    }

    @Test
    void trainsOnShardsAndResumes() throws Exception {
        Path shards = tmp.resolve("shards");
        SyntheticShapes synth = new SyntheticShapes(32, 2);
        synth.writeShards(shards, "s", 48, 16, "png");
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < 48; i++) bpe.addCaption(synth.sample(i).caption());
        Path vocab = tmp.resolve("vocab.txt");
        bpe.trainAndWrite(vocab);
        // a small labelled image folder for zero-shot evaluation during training
        Path zs = tmp.resolve("zeroshot");
        for (SyntheticShapes.Sample sample : synth.heldOut(12)) {
            Path dir = zs.resolve(SyntheticShapes.COLOURS.get(sample.colour()) + " " + SyntheticShapes.SHAPES.get(sample.shape()));
            Files.createDirectories(dir);
            Files.write(dir.resolve(sample.key() + ".png"), ImageEncoder.png(sample.image()));
        }
        Path out = tmp.resolve("shard-run");
        List<String> common = List.of("--model", "ViT-tiny", "--train-data", shards + "/s-{00000..00002}.tar",
                "--vocab", vocab.toString(), "--batch-size", "16", "--accum-freq", "2", "--epochs", "2",
                "--warmup", "2", "--output", out.toString(), "--checkpoint-every", "3", "--workers", "1",
                "--zeroshot-dataset", zs.toString(), "--eval-every", "3", "--val-data", shards + "/s-00000.tar", "--val-frequency", "1",
                "--report-to", "jsonl,tensorboard");
        // 48 pairs = 3 steps an epoch; a first run of 3 steps, then --resume to the end of epoch 2
        assertEquals(0, Main.invoke(new TrainCommand(), concat(common, List.of("--steps", "3"))));
        assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertEquals(0, Main.invoke(new TrainCommand(), concat(common, List.of("--resume", "latest"))));
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(6, metrics.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i == 2 || i == 5, metrics.get(i).contains("\"zeroshot_top1\""), "step " + (i + 1) + ": " + metrics.get(i));
            assertEquals(i == 2 || i == 5, metrics.get(i).contains("\"val_text_to_image_R@10\""), "step " + (i + 1) + ": " + metrics.get(i));
        }
        String report = Files.readString(out.resolve("report.html"));
        assertTrue(report.contains("<td>zeroshot_top1</td>") && report.contains("<td>val_loss</td>"), "evaluations in report.html");
        try (java.util.stream.Stream<Path> files = Files.list(out)) {
            assertEquals(2, files.filter(f -> f.getFileName().toString().startsWith("events.out.tfevents.")).count(),
                    "one TensorBoard event file per session");
        }
        assertTrue(Files.isRegularFile(out.resolve("checkpoints/step-00000006.safetensors")));
        // the vocabulary travels with the run (gzipped), where evaluation finds it
        assertEquals(ClipTokenizer.load(vocab).vocabSize(), ClipTokenizer.load(out.resolve("vocab.txt.gz")).vocabSize());

        ConfigException e = assertThrows(ConfigException.class, () -> Main.invoke(new TrainCommand(), List.of(
                "--model", "ViT-tiny", "--train-data", shards + "/s-{00000..00004}.tar", "--vocab", vocab.toString(),
                "--batch-size", "16", "--output", tmp.resolve("x").toString())));
        assertTrue(e.getMessage().contains("2 of 5 shards not found"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Main.invoke(new TrainCommand(), List.of(
                "--model", "ViT-tiny", "--train-data", shards + "/s-00000.tar", "--batch-size", "16",
                "--output", tmp.resolve("x").toString())));
        assertTrue(e.getMessage().contains("vocab is required"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Main.invoke(new TrainCommand(), concat(common.subList(0, 20),
                List.of("--zeroshot-dataset", tmp.resolve("nothing-here").toString(), "--eval-every", "2"))));
        assertTrue(e.getMessage().contains("nothing-here"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void openClipDataFlagsReachTheRun() throws Exception {
        Path a = tmp.resolve("flags-a");
        Path b = tmp.resolve("flags-b");
        SyntheticShapes synth = new SyntheticShapes(32, 4);
        synth.writeShards(a, "a", 16, 8, "png");
        new SyntheticShapes(32, 5).writeShards(b, "b", 8, 8, "png");
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < 16; i++) bpe.addCaption(synth.sample(i).caption());
        Path vocab = tmp.resolve("flags-vocab.txt");
        bpe.trainAndWrite(vocab);
        Path out = tmp.resolve("flags-run");
        int rc = Main.invoke(new TrainCommand(), List.of("--model", "ViT-tiny", "--train-data", a + "/a-{00000..00001}.tar::" + b + "/b-00000.tar",
                "--dataset-resampled", "--train-data-upsampling-factors", "1::2", "--train-num-samples", "16", "--epochs", "2",
                "--vocab", vocab.toString(), "--batch-size", "8", "--warmup", "1", "--output", out.toString(), "--workers", "2",
                "--image-mean", "0.5", "--image-std", "0.25", "--aug-cfg", "scale=(0.5,1.0) gray_scale_prob=0.2", "--threads", "1"));
        assertEquals(0, rc);
        assertEquals(4, Files.readAllLines(out.resolve("metrics.jsonl")).size(), "2 epochs of floor(16 / 8) steps");
        TrainConfig saved = TrainConfig.restore(Files.readString(out.resolve("config.json")), "config.json");
        assertTrue(saved.data().datasetResampled());
        assertEquals("1::2", saved.data().upsamplingFactors());
        assertEquals(16, saved.data().trainNumSamples());
        assertEquals("scale=(0.5,1.0) gray_scale_prob=0.2", saved.data().augCfg());
        dev.jclip.data.image.PreprocessConfig p = dev.jclip.data.image.PreprocessConfig.fromMetadata(
                dev.jclip.core.io.Checkpoints.readMetadata(out.resolve("model.safetensors")), 32, "model");
        assertEquals(0.25f, p.std()[2]);
        assertEquals(0.5f, p.mean()[0]);
    }
}
