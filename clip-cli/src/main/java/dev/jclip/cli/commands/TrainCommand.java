package dev.jclip.cli.commands;

import dev.jclip.core.io.AtomicFile;
import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.cli.UsageException;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.data.loader.CsvManifest;
import dev.jclip.data.loader.CsvManifestSource;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.WebDatasetSource;
import dev.jclip.data.shards.ShardSpec;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.zeroshot.PromptTemplates;
import dev.jclip.train.BatchSource;
import dev.jclip.train.EvalHook;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import dev.jclip.train.TrainingDivergedException;
import dev.jclip.train.data.LoaderBatchSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code clip train}: contrastive training of a CLIP model, open_clip style.
 * <pre>
 * clip train --model ViT-tiny --train-data 'shards/{0000..0009}.tar' --batch-size 256 --accum-freq 4 --epochs 5 \
 *            --lr 5e-4 --warmup 100 --output runs/exp1 [--resume latest] [--config run.json] ...
 * </pre>
 * Every {@link TrainConfig} option is accepted as {@code --name value} (booleans as bare flags); options given
 * on the command line override those of {@code --config FILE}, which override the defaults. The run folder gets
 * config.json, metrics.jsonl, train.log, checkpoints/ and the final model.safetensors.
 */
public final class TrainCommand implements Command {

    /** Opens the training data for a validated config (the real shard loader, or a test source). */
    @FunctionalInterface
    public interface DataOpener {
        BatchSource open(TrainConfig config, ClipConfig model) throws Exception;
    }

    private final DataOpener dataOpener;

    public TrainCommand() {
        this(TrainCommand::openShards);
    }

    /** With another data source (tests). */
    public TrainCommand(DataOpener dataOpener) {
        this.dataOpener = dataOpener;
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a CLIP model: --model M --train-data SHARDS --batch-size B --output DIR [--accum-freq K]"
                + " [--epochs E | --steps N] [--lr LR] [--warmup W] [--resume latest] [--config FILE] [--init W]"
                + " [--lock-image] [--lock-text] [--threads T] [--zeroshot-dataset D --eval-every N]";
    }

    @Override
    public int run(Args args) throws Exception {
        TrainConfig cfg = parse(args);
        ClipConfig model = checkOptions(cfg);
        try (BatchSource data = dataOpener.open(cfg, model)) {
            Trainer.Builder builder = Trainer.builder().config(cfg).data(data);
            if (cfg.zeroshotDataset() != null) builder.evalHook(zeroShotHook(cfg, model));
            Trainer trainer = builder.build();
            // a run with its own vocabulary keeps a copy; OpenAI's is built into clip-data and needs none
            if (cfg.vocab() != null) copyVocabulary(Path.of(cfg.vocab()), Path.of(cfg.output()));
            return fitStoppingOnShutdown(trainer);
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        } catch (TrainingDivergedException e) {
            System.err.println("clip train: " + e.getMessage());
            return 3;
        }
    }

    /** Option checks that need no data: the config's own, the model name, the evaluation options. */
    private static ClipConfig checkOptions(TrainConfig cfg) {
        ClipConfig model;
        try {
            cfg.validate();
            model = ClipConfig.load(cfg.model());
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        if (cfg.zeroshotDataset() != null && cfg.evalEvery() <= 0) {
            throw new UsageException("--zeroshot-dataset needs --eval-every N (evaluate every N steps and at the end)");
        }
        if (cfg.evalEvery() > 0 && cfg.zeroshotDataset() == null) {
            throw new UsageException("--eval-every needs something to evaluate: --zeroshot-dataset SPEC");
        }
        return model;
    }

    /**
     * Trains and prints the outcome. On Ctrl-C (JVM shutdown) a hook asks the trainer to stop after the current
     * step and holds the JVM until that step's checkpoint is written and reported, so the run resumes exactly.
     */
    private static int fitStoppingOnShutdown(Trainer trainer) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                finished.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "clip-train-stop");
        java.lang.Runtime.getRuntime().addShutdownHook(hook);
        try {
            Trainer.Result r = trainer.fit();
            if (r.stopped()) {
                System.out.printf("stopped after step %d; checkpoint: %s%ncontinue with the same command and --resume latest%n",
                        r.steps(), r.lastCheckpoint());
                System.out.flush();
                return 130;
            }
            System.out.printf("trained %d steps (%d samples), final loss %.4f%nweights: %s%ncheckpoint: %s%n",
                    r.steps(), r.samplesSeen(), r.lastLoss(), r.finalModel(), r.lastCheckpoint());
            return 0;
        } finally {
            finished.countDown();
            try {
                java.lang.Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and has just been released
            }
        }
    }

    /**
     * Zero-shot top-1/top-5 on {@code --zeroshot-dataset} (any clip-eval dataset spec: image folder, CSV, IDX),
     * with the training vocabulary. The dataset and templates are opened here, before training starts.
     */
    static EvalHook zeroShotHook(TrainConfig cfg, ClipConfig model) throws Exception {
        LabelledImageDataset dataset;
        List<String> templates;
        try {
            LabelledImageDataset all = DatasetSpec.open(cfg.zeroshotDataset(), null);
            dataset = cfg.zeroshotLimit() > 0 && cfg.zeroshotLimit() < all.size()
                    ? DatasetView.random(all, cfg.zeroshotLimit(), cfg.seed()) : all;
            templates = cfg.zeroshotTemplates() == null ? PromptTemplates.DEFAULT : PromptTemplates.read(Path.of(cfg.zeroshotTemplates()));
        } catch (java.io.IOException e) {
            throw new UsageException("--zeroshot-dataset: " + e.getMessage());
        }
        if (cfg.vocab() == null && model.text().vocabSize() != 49408) {
            throw new UsageException("--zeroshot-dataset needs the vocabulary (--vocab) of a model that does not embed OpenAI's 49,408 tokens");
        }
        ClipTokenizer tokenizer = cfg.vocab() != null ? ClipTokenizer.load(Path.of(cfg.vocab())) : ClipTokenizer.openai();
        return (clip, step) -> {
            Evaluations.FeatureSource src = new Evaluations.FeatureSource(new ModelEncoder(clip, tokenizer), 64, null, "step " + step);
            Map<String, Double> m = Evaluations.zeroShot(src, dataset, templates, "step " + step).metrics();
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("zeroshot_top1", m.get("top1"));
            out.put("zeroshot_top5", m.get("top5"));
            return out;
        };
    }

    /**
     * Keeps the vocabulary with the run as {@code vocab.txt.gz}, where evaluation looks for it beside the
     * weights (written to a temporary name, then renamed).
     */
    static void copyVocabulary(Path vocab, Path runDir) throws java.io.IOException {
        Path target = runDir.resolve("vocab.txt.gz");
        if (Files.isRegularFile(target) && Files.isSameFile(vocab, target)) return;
        if (vocab.getFileName().toString().endsWith(".gz")) {
            AtomicFile.copy(vocab, target);
        } else {
            AtomicFile.write(target, tmp -> {
                try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(tmp))) {
                    Files.copy(vocab, out);
                }
            });
        }
    }

    /** The config from defaults, then {@code --config FILE}, then the other options. */
    static TrainConfig parse(Args args) {
        Path file = args.path("config");
        TrainConfig cfg;
        try {
            cfg = file != null ? TrainConfig.load(file) : TrainConfig.defaults();
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, Class<?>> option : TrainConfig.optionTypes().entrySet()) {
            String name = option.getKey();
            Class<?> type = option.getValue();
            if (type == boolean.class) {
                if (args.has(name)) overrides.put(name, args.flag(name));
                continue;
            }
            if (!args.has(name)) continue;
            if (type == int.class) overrides.put(name, args.getInt(name, 0));
            else if (type == long.class) overrides.put(name, args.getLong(name, 0));
            else if (type == double.class || type == Double.class) overrides.put(name, args.getDouble(name, 0));
            else overrides.put(name, args.get(name, null));
        }
        args.checkAllUsed();
        try {
            return cfg.with(overrides, "command line");
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * clip-data's loader over {@code --train-data}: WebDataset shards (an open_clip brace pattern) or a CSV/TSV
     * manifest, tokenized with the BPE merges file {@code --vocab}. Missing files and a vocabulary that does not
     * fit the model are reported here, before any training work.
     */
    static BatchSource openShards(TrainConfig cfg, ClipConfig model) throws Exception {
        if (cfg.trainData() == null) throw new UsageException("missing required option --train-data");
        if (cfg.vocab() == null && model.text().vocabSize() != 49408) {
            throw new UsageException("missing required option --vocab (model '" + cfg.model() + "' embeds "
                    + model.text().vocabSize() + " tokens, not OpenAI's 49,408: pass the merges file written by 'clip tokenizer train')");
        }
        Path vocabFile = cfg.vocab() != null ? Path.of(cfg.vocab()) : null;
        if (vocabFile != null && !Files.isRegularFile(vocabFile)) throw new UsageException("--vocab: file not found: " + vocabFile);
        ClipTokenizer tokenizer = vocabFile != null ? ClipTokenizer.load(vocabFile) : ClipTokenizer.openai();
        int modelVocab = model.text().vocabSize();
        if (tokenizer.vocabSize() > modelVocab) {
            throw new UsageException("--vocab " + vocabFile + " has " + tokenizer.vocabSize() + " tokens but model '"
                    + cfg.model() + "' embeds only " + modelVocab);
        }
        if (tokenizer.endToken() != tokenizer.vocabSize() - 1) {
            throw new UsageException("--vocab " + vocabFile + ": the end token must be the largest id (the text tower"
                    + " pools at the argmax), got " + tokenizer.endToken() + " of " + tokenizer.vocabSize());
        }
        SampleSource source = sampleSource(cfg.trainData());
        LoaderConfig loader = LoaderBatchSource.trainingLoader(cfg, model);
        return new LoaderBatchSource(source, tokenizer, loader);
    }

    private static SampleSource sampleSource(String spec) throws Exception {
        if (spec.endsWith(".csv") || spec.endsWith(".tsv")) {
            Path file = Path.of(spec);
            if (!Files.isRegularFile(file)) throw new UsageException("--train-data: manifest not found: " + file);
            return new CsvManifestSource(CsvManifest.read(file, spec.endsWith(".tsv") ? '\t' : ',',
                    CsvManifest.DEFAULT_IMAGE_COLUMN, CsvManifest.DEFAULT_CAPTION_COLUMN));
        }
        List<String> shards;
        try {
            shards = ShardSpec.expand(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--train-data '" + spec + "': " + e.getMessage());
        }
        List<String> missing = shards.stream().filter(s -> !Files.isRegularFile(Path.of(s))).toList();
        if (!missing.isEmpty()) {
            throw new UsageException("--train-data: " + missing.size() + " of " + shards.size()
                    + " shards not found, first: " + missing.get(0));
        }
        return new WebDatasetSource(shards, false);
    }
}
