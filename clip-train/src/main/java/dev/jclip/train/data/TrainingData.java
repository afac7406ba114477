package dev.jclip.train.data;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.loader.CsvManifest;
import dev.jclip.data.loader.CsvManifestSource;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.WebDatasetSource;
import dev.jclip.data.shards.ShardSpec;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.text.VocabLocator;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.checkpoint.CheckpointManager;
import dev.jclip.train.checkpoint.SafeTensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The data a {@link TrainConfig} names, opened the way {@code clip train} and the {@link dev.jclip.train.Trainer}
 * (when no source is passed in) both open it: {@code train-data} is WebDataset shards (an open_clip brace
 * pattern, {@code ::} joins patterns) or a {@code .csv} / {@code .tsv} manifest with {@code filepath} and
 * {@code title} columns; {@code vocab} is the BPE merges file, OpenAI's when absent. Missing files and a
 * vocabulary that does not fit the model are errors naming the option, before any training work.
 */
public final class TrainingData {
    private TrainingData() {
    }

    /** clip-data's loader over the config's data, with the model's image size and context length. */
    public static LoaderBatchSource open(TrainConfig cfg, ClipConfig model) throws IOException {
        String spec = cfg.data().trainData();
        if (spec == null) throw new ConfigException("train-data is required (or pass a BatchSource to Trainer.Builder.data)");
        ClipTokenizer tokenizer = tokenizer(cfg, model);
        return new LoaderBatchSource(samples(spec), tokenizer, loaderConfig(cfg, model));
    }

    /**
     * The data of rank {@code rank} of {@code world}: with {@code data-order shards} (the default) the rank's own
     * shards (every world-th one, from the rank's index: open_clip's split by node; the loader then splits them
     * by worker) in batches of batch-size / world; with {@code data-order global} every shard in global batches,
     * which the trainer slices. A rank left without shards is an error naming it.
     */
    public static LoaderBatchSource open(TrainConfig cfg, ClipConfig model, int rank, int world) throws IOException {
        if (world == 1 || "global".equals(cfg.data().dataOrder())) return open(cfg, model);
        String spec = cfg.data().trainData();
        if (spec == null) throw new ConfigException("train-data is required (or pass a BatchSource to Trainer.Builder.data)");
        if (spec.endsWith(".csv") || spec.endsWith(".tsv")) {
            throw new ConfigException("train-data " + spec + " is a manifest: it has no shards to split over " + world
                    + " ranks; use data-order global (each rank takes its slice of every global batch)");
        }
        List<String> all = shardList(spec);
        List<String> mine = new java.util.ArrayList<>();
        for (int i = rank; i < all.size(); i += world) mine.add(all.get(i));
        if (mine.isEmpty()) {
            throw new ConfigException("rank " + rank + " of " + world + " has no shards: train-data has " + all.size()
                    + " shard(s), at least one per rank is needed (or use data-order global)");
        }
        return new LoaderBatchSource(new WebDatasetSource(mine, false), tokenizer(cfg, model),
                loaderConfig(cfg, model, cfg.data().batchSize() / world));
    }

    /** The tokenizer for the config's {@code vocab} (OpenAI's when absent), checked against the model. */
    public static ClipTokenizer tokenizer(TrainConfig cfg, ClipConfig model) {
        String vocab = cfg.data().vocab();
        return VocabLocator.forTraining(vocab == null ? null : Path.of(vocab), model.text().vocabSize(), cfg.model().name());
    }

    /**
     * The loader settings a training run implies: batch, workers and seed from the run, sizes from the model,
     * the alpha background from the run or, when it does not set one, from the checkpoint it resumes (white for
     * a new run), so that a resumed run keeps seeing images the way it started.
     */
    public static LoaderConfig loaderConfig(TrainConfig cfg, ClipConfig model) {
        return loaderConfig(cfg, model, cfg.data().batchSize());
    }

    private static LoaderConfig loaderConfig(TrainConfig cfg, ClipConfig model, int batchSize) {
        return LoaderConfig.builder(batchSize)
                .imageSize(model.vision().imageSize())
                .contextLength(model.text().contextLength())
                .workers(cfg.data().workers())
                .seed(cfg.runtime().seed())
                .train(true)
                .alphaBackground(alphaBackground(cfg, model))
                .build();
    }

    private static AlphaBackground alphaBackground(TrainConfig cfg, ClipConfig model) {
        if (cfg.data().alphaBackground() != null) return AlphaBackground.parse(cfg.data().alphaBackground());
        if (cfg.checkpointing().resume() == null) return AlphaBackground.WHITE;
        Path checkpoint;
        try {
            checkpoint = new CheckpointManager(Path.of(cfg.checkpointing().output()).resolve("checkpoints"), 0,
                    new SafeTensorsFile()).resolve(cfg.checkpointing().resume());
        } catch (IOException e) {
            return AlphaBackground.WHITE; // nothing to resume: Trainer.Builder.build() reports it
        }
        return PreprocessConfig.fromMetadata(Checkpoints.readMetadata(checkpoint), model.vision().imageSize(),
                checkpoint.toString()).alphaBackground();
    }

    /** Shards or a manifest, by the spec's extension; every shard and the manifest must exist. */
    public static SampleSource samples(String spec) throws IOException {
        if (spec.endsWith(".csv") || spec.endsWith(".tsv")) {
            Path file = Path.of(spec);
            if (!Files.isRegularFile(file)) throw new ConfigException("train-data: manifest not found: " + file);
            return new CsvManifestSource(CsvManifest.read(file, spec.endsWith(".tsv") ? '\t' : ',',
                    CsvManifest.DEFAULT_IMAGE_COLUMN, CsvManifest.DEFAULT_CAPTION_COLUMN));
        }
        return new WebDatasetSource(shardList(spec), false);
    }

    /** The shards a pattern names; each must exist. */
    private static List<String> shardList(String spec) {
        List<String> shards;
        try {
            shards = ShardSpec.expand(spec);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train-data '" + spec + "': " + e.getMessage());
        }
        List<String> missing = shards.stream().filter(s -> !Files.isRegularFile(Path.of(s))).toList();
        if (!missing.isEmpty()) {
            throw new ConfigException("train-data: " + missing.size() + " of " + shards.size()
                    + " shards not found, first: " + missing.get(0));
        }
        return shards;
    }
}
