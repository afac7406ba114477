package dev.jclip.train.data;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.AugmentationConfig;
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
import java.util.ArrayList;
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
        SampleSource samples = samples(cfg);
        return new LoaderBatchSource(samples, tokenizer, loaderConfig(cfg, model, samples));
    }

    /**
     * The data of rank {@code rank} of {@code world}: with {@code data-order shards} (the default) the rank's own
     * shards (every world-th one, from the rank's index: open_clip's split by node; the loader then splits them
     * by worker) in batches of batch-size / world; with {@code data-order global} every shard in global batches,
     * which the trainer slices. A rank left without shards is an error naming it. With {@code dataset-resampled}
     * and {@code data-order shards} every rank draws from every shard, each reader seeded by (seed, epoch, rank,
     * worker) as open_clip's ResampledShards2.
     */
    public static LoaderBatchSource open(TrainConfig cfg, ClipConfig model, int rank, int world) throws IOException {
        if (world == 1 || "global".equals(cfg.data().dataOrder())) return open(cfg, model);
        String spec = cfg.data().trainData();
        if (spec == null) throw new ConfigException("train-data is required (or pass a BatchSource to Trainer.Builder.data)");
        if (cfg.data().datasetResampled()) {
            // open_clip's ResampledShards2: every rank draws from every shard, each of its readers with its own
            // seed from (seed, epoch, rank, worker), so the ranks' sequences differ and repeat with the seed
            SampleSource samples = samples(cfg);
            return new LoaderBatchSource(samples, tokenizer(cfg, model),
                    loaderConfig(cfg, model, samples, cfg.data().batchSize() / world, rank, world));
        }
        if (isManifest(spec)) {
            throw new ConfigException("train-data " + spec + " is a manifest: it has no shards to split over " + world
                    + " ranks; use data-order global (each rank takes its slice of every global batch)");
        }
        List<String> all = sources(spec).stream().flatMap(List::stream).toList();
        List<String> mine = new ArrayList<>();
        for (int i = rank; i < all.size(); i += world) mine.add(all.get(i));
        if (mine.isEmpty()) {
            throw new ConfigException("rank " + rank + " of " + world + " has no shards: train-data has " + all.size()
                    + " shard(s), at least one per rank is needed (or use data-order global)");
        }
        WebDatasetSource samples = new WebDatasetSource(mine, false);
        return new LoaderBatchSource(samples, tokenizer(cfg, model), loaderConfig(cfg, model, samples, cfg.data().batchSize() / world, rank, world));
    }

    /** The tokenizer for the config's {@code vocab} (OpenAI's when absent), checked against the model. */
    public static ClipTokenizer tokenizer(TrainConfig cfg, ClipConfig model) {
        String vocab = cfg.data().vocab();
        return VocabLocator.forTraining(vocab == null ? null : Path.of(vocab), model.text().vocabSize(), cfg.model().name());
    }

    /**
     * The loader settings a training run implies: batch, workers and seed from the run, sizes from the model,
     * the augmentation from {@code aug-cfg}; the alpha background, mean and std from the run or, where it does not
     * set them, from the checkpoint it resumes (CLIP's for a new run), so that a resumed run keeps seeing images
     * the way it started. A resampled (endless) source gets its epoch length from {@code train-num-samples}, else
     * from the shards' sizes.json.
     */
    public static LoaderConfig loaderConfig(TrainConfig cfg, ClipConfig model, SampleSource samples) {
        return loaderConfig(cfg, model, samples, cfg.data().batchSize(), 0, 1);
    }

    /** The same for process {@code rank} of {@code world}, reading batches of {@code batchSize} (its share of the global batch). */
    private static LoaderConfig loaderConfig(TrainConfig cfg, ClipConfig model, SampleSource samples, int batchSize, int rank, int world) {
        LoaderConfig.Builder b = loaderBuilder(cfg, model, batchSize)
                .train(true)
                .augmentation(cfg.data().augCfg() == null ? AugmentationConfig.DEFAULT : AugmentationConfig.parse(cfg.data().augCfg(), "aug-cfg"))
                .process(rank, world);
        if (samples.infinite()) {
            long n = cfg.data().trainNumSamples() > 0 ? cfg.data().trainNumSamples() : samples.knownSize() == null ? 0 : samples.knownSize();
            if (n <= 0) {
                throw new ConfigException("dataset-resampled draws shards forever: give train-num-samples (the pairs in one"
                        + " epoch), or shards with a sizes.json");
            }
            // an epoch is n pairs of all ranks together (open_clip's train-num-samples): as many steps of the global batch
            long global = cfg.data().batchSize();
            b.batchesPerEpoch((n + global - 1) / global);
        }
        return b.build();
    }

    /**
     * What training and validation loaders share: the model's context length, the run's workers, seed and image
     * settings ({@link #preprocessing}).
     */
    public static LoaderConfig.Builder loaderBuilder(TrainConfig cfg, ClipConfig model, int batchSize) {
        return LoaderConfig.builder(batchSize)
                .preprocess(preprocessing(cfg, model))
                .contextLength(model.text().contextLength())
                .workers(cfg.data().workers())
                .seed(cfg.runtime().seed());
    }

    /** The image settings of the run: its own options where set, else the resumed checkpoint's, else CLIP's. */
    public static PreprocessConfig preprocessing(TrainConfig cfg, ClipConfig model) {
        PreprocessConfig base = resumedPreprocessing(cfg, model);
        TrainConfig.Data d = cfg.data();
        return new PreprocessConfig(base.imageSize(),
                d.imageMean() != null ? PreprocessConfig.channels(d.imageMean(), "image-mean") : base.mean(),
                d.imageStd() != null ? PreprocessConfig.channels(d.imageStd(), "image-std") : base.std(),
                d.alphaBackground() != null ? AlphaBackground.parse(d.alphaBackground()) : base.alphaBackground());
    }

    private static PreprocessConfig resumedPreprocessing(TrainConfig cfg, ClipConfig model) {
        PreprocessConfig clip = PreprocessConfig.clip(model.vision().imageSize());
        if (cfg.checkpointing().resume() == null) return clip;
        Path checkpoint;
        try {
            checkpoint = new CheckpointManager(Path.of(cfg.checkpointing().output()).resolve("checkpoints"), 0,
                    new SafeTensorsFile()).resolve(cfg.checkpointing().resume());
        } catch (IOException e) {
            return clip; // nothing to resume: Trainer.Builder.build() reports it
        }
        return PreprocessConfig.fromMetadata(Checkpoints.readMetadata(checkpoint), model.vision().imageSize(), checkpoint.toString());
    }

    /**
     * The config's {@code train-data}: shards (resampled with their upsampling factors when the config says so)
     * or a manifest.
     */
    public static SampleSource samples(TrainConfig cfg) throws IOException {
        String spec = cfg.data().trainData();
        if (!cfg.data().datasetResampled()) return samples(spec);
        if (isManifest(spec)) throw new ConfigException("dataset-resampled draws WebDataset shards; train-data '" + spec + "' is a manifest");
        List<List<String>> sources = sources(spec);
        double[] factors = cfg.upsamplingFactors();
        List<String> shards = new ArrayList<>();
        double[] weights = factors == null ? null : new double[sources.stream().mapToInt(List::size).sum()];
        for (int i = 0; i < sources.size(); i++) {
            for (String shard : sources.get(i)) {
                if (weights != null) weights[shards.size()] = factors[i];
                shards.add(shard);
            }
        }
        return new WebDatasetSource(shards, true, weights);
    }

    private static boolean isManifest(String spec) {
        return spec.endsWith(".csv") || spec.endsWith(".tsv");
    }

    /** Each {@code ::}-joined source's shards; every shard must exist. */
    private static List<List<String>> sources(String spec) {
        List<List<String>> sources;
        try {
            sources = ShardSpec.expandSources(spec);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train-data '" + spec + "': " + e.getMessage());
        }
        List<String> all = sources.stream().flatMap(List::stream).toList();
        List<String> missing = all.stream().filter(s -> !Files.isRegularFile(Path.of(s))).toList();
        if (!missing.isEmpty()) {
            throw new ConfigException("train-data: " + missing.size() + " of " + all.size()
                    + " shards not found, first: " + missing.get(0));
        }
        return sources;
    }

    /** Shards or a manifest, by the spec's extension; every shard and the manifest must exist. */
    public static SampleSource samples(String spec) throws IOException {
        if (isManifest(spec)) {
            Path file = Path.of(spec);
            if (!Files.isRegularFile(file)) throw new ConfigException("train-data: manifest not found: " + file);
            return new CsvManifestSource(CsvManifest.read(file, spec.endsWith(".tsv") ? '\t' : ',',
                    CsvManifest.DEFAULT_IMAGE_COLUMN, CsvManifest.DEFAULT_CAPTION_COLUMN));
        }
        return new WebDatasetSource(sources(spec).stream().flatMap(List::stream).toList(), false);
    }
}
