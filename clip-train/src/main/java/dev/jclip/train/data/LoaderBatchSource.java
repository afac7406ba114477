package dev.jclip.train.data;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.loader.DataLoader;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.LoaderPosition;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.text.CaptionTokenizer;
import dev.jclip.data.loader.Batch;
import dev.jclip.train.BatchSource;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.checkpoint.CheckpointManager;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The trainer's view of clip-data's {@link DataLoader}: one loader per epoch, its {@link LoaderPosition} as the
 * resumable state. The loader orders each epoch from (its seed, epoch) itself, so the per-epoch seed the trainer
 * offers is not needed: the run's seed goes into the {@link LoaderConfig}.
 */
public final class LoaderBatchSource implements BatchSource {
    private final SampleSource source;
    private final CaptionTokenizer tokenizer;
    private final LoaderConfig config;
    private DataLoader loader;
    private LoaderPosition position = LoaderPosition.start(0);

    public LoaderBatchSource(SampleSource source, CaptionTokenizer tokenizer, LoaderConfig config) {
        this.source = source;
        this.tokenizer = tokenizer;
        this.config = config;
    }

    @Override
    public String vocabulary() {
        return tokenizer instanceof dev.jclip.data.text.ClipTokenizer c ? c.merges() : null;
    }

    @Override
    public Shape shape() {
        return new Shape(config.batchSize(), config.imageSize(), config.contextLength(), tokenizer.vocabSize());
    }

    @Override
    public PreprocessConfig preprocessing() {
        return config.preprocessConfig();
    }

    @Override
    public long samplesPerEpoch() {
        if (config.batchesPerEpoch() > 0) return config.batchesPerEpoch() * config.batchSize();
        Long known = source.knownSize();
        return known == null ? -1 : known;
    }

    @Override
    public void startEpoch(int epoch, long seed) {
        open(LoaderPosition.start(epoch));
    }

    @Override
    public Batch next() {
        if (loader == null) throw new IllegalStateException("startEpoch or restore first");
        Batch b = loader.next();
        if (b == null) return null;
        position = b.next();
        return b;
    }

    @Override
    public String state() {
        return position.toJson();
    }

    @Override
    public void restore(String state) {
        open(LoaderPosition.fromJson(state));
    }

    /** Samples skipped so far in the current epoch, by reason (bad images, unreadable shards, ...). */
    public java.util.Map<String, Long> skips() {
        return loader == null ? java.util.Map.of() : loader.skips().snapshot();
    }

    private void open(LoaderPosition at) {
        close();
        position = at;
        loader = DataLoader.open(source, tokenizer, config, at);
    }

    @Override
    public void close() {
        if (loader != null) {
            loader.close();
            loader = null;
        }
    }
}
