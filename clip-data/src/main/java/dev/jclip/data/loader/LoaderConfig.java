package dev.jclip.data.loader;

import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.AugmentationConfig;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.PreprocessConfig;

/**
 * How a {@link DataLoader} turns samples into batches. Build with {@link #builder(int)}; immutable.
 *
 * @param batchSize        samples per batch
 * @param contextLength    tokens per caption row T (tokens come out as [B,T])
 * @param workers          decoding threads (at least 1)
 * @param seed             base seed; with the epoch it fixes shard order, sample shuffle and random crops
 * @param train            true: RandomResizedCrop augmentation and shuffling; false: evaluation transform, given order
 * @param shuffleBuffer    samples held by the shuffle buffer (used when training; 0 or 1 disables it)
 * @param prefetchBatches  completed batches kept ready ahead of the consumer
 * @param dropLast         drop the last, incomplete batch of an epoch (open_clip does when training)
 * @param batchesPerEpoch  batches per epoch; required for resampled (endless) sources, 0 = until the data ends
 * @param preprocessConfig the image pipeline's settings: model input size S (images come out as [B,3,S,S]),
 *                         mean, std and what transparent pixels are composited over
 * @param augmentation     the training augmentation (crop scale and ratio, colour jitter, grey)
 * @param rank             which process of a multi-process run this loader serves (0 in one process): with
 *                         {@code worldSize}, it gives each shard reader its {@link ShardSlot}, so that every
 *                         reader of the run draws its own resampled shard sequence
 * @param worldSize        processes in the run (1 in one process)
 */
public record LoaderConfig(int batchSize, int contextLength, int workers, long seed, boolean train,
                           int shuffleBuffer, int prefetchBatches, boolean dropLast, long batchesPerEpoch,
                           PreprocessConfig preprocessConfig, AugmentationConfig augmentation, int rank, int worldSize) {
    public LoaderConfig {
        if (preprocessConfig == null) throw new IllegalArgumentException("preprocessConfig is required");
        if (augmentation == null) throw new IllegalArgumentException("augmentation is required");
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        if (contextLength < 2) throw new IllegalArgumentException("contextLength must be at least 2, got " + contextLength);
        if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
        if (shuffleBuffer < 0) throw new IllegalArgumentException("shuffleBuffer must be >= 0, got " + shuffleBuffer);
        if (prefetchBatches <= 0) throw new IllegalArgumentException("prefetchBatches must be positive, got " + prefetchBatches);
        if (batchesPerEpoch < 0) throw new IllegalArgumentException("batchesPerEpoch must be >= 0, got " + batchesPerEpoch);
        new ShardSlot(rank, worldSize, 0, 1);   // checks the rank against the world size
    }

    /** This loader's shard readers: reader w of {@link #workers()} in process {@link #rank()}. */
    public ShardSlot reader(int worker) {
        return new ShardSlot(rank, worldSize, worker, workers);
    }

    /** The model input size S: images come out as [B,3,S,S]. */
    public int imageSize() {
        return preprocessConfig.imageSize();
    }

    /**
     * Defaults: 224 px, 77 tokens, 2 workers, seed 0, training, shuffle buffer 1000, 2 batches ahead, drop last,
     * transparency over white, OpenAI's mean and std, open_clip's default augmentation.
     */
    public static Builder builder(int batchSize) {
        return new Builder(batchSize);
    }

    /**
     * Samples in flight between the reader and the assembler (queued, decoding or decoded but not yet taken):
     * enough that every worker stays busy while the assembler waits for the oldest one, few enough that the
     * decoded float images waiting there (3*S*S floats each) stay a small multiple of the worker count.
     */
    int samplesInFlight() {
        return Math.max(16, 4 * workers);
    }

    /** Mutable builder for {@link LoaderConfig}. */
    public static final class Builder {
        private final int batchSize;
        private int imageSize = 224;
        private int contextLength = 77;
        private int workers = 2;
        private long seed;
        private boolean train = true;
        private int shuffleBuffer = 1000;
        private int prefetchBatches = 2;
        private boolean dropLast = true;
        private long batchesPerEpoch;
        private AlphaBackground alphaBackground = AlphaBackground.WHITE;
        private float[] mean = ClipImageTransform.MEAN;
        private float[] std = ClipImageTransform.STD;
        private AugmentationConfig augmentation = AugmentationConfig.DEFAULT;
        private int rank;
        private int worldSize = 1;

        private Builder(int batchSize) {
            this.batchSize = batchSize;
        }

        public Builder imageSize(int v) { imageSize = v; return this; }

        public Builder contextLength(int v) { contextLength = v; return this; }

        public Builder workers(int v) { workers = v; return this; }

        public Builder seed(long v) { seed = v; return this; }

        /** Training (random crops, shuffling) or evaluation (centre crops, given order). */
        public Builder train(boolean v) { train = v; return this; }

        public Builder shuffleBuffer(int v) { shuffleBuffer = v; return this; }

        public Builder prefetchBatches(int v) { prefetchBatches = v; return this; }

        public Builder dropLast(boolean v) { dropLast = v; return this; }

        public Builder batchesPerEpoch(long v) { batchesPerEpoch = v; return this; }

        public Builder alphaBackground(AlphaBackground v) { alphaBackground = v; return this; }

        public Builder mean(float[] v) { mean = v; return this; }

        public Builder std(float[] v) { std = v; return this; }

        public Builder augmentation(AugmentationConfig v) { augmentation = v; return this; }

        /** Process {@code rank} of {@code worldSize} (default 0 of 1): seeds each reader's resampled shard draws. */
        public Builder process(int rank, int worldSize) { this.rank = rank; this.worldSize = worldSize; return this; }

        /** Image size, mean, std and alpha background at once, e.g. a run's or a checkpoint's. */
        public Builder preprocess(PreprocessConfig p) {
            imageSize = p.imageSize();
            mean = p.mean();
            std = p.std();
            alphaBackground = p.alphaBackground();
            return this;
        }

        public LoaderConfig build() {
            return new LoaderConfig(batchSize, contextLength, workers, seed, train, shuffleBuffer, prefetchBatches, dropLast,
                    batchesPerEpoch, new PreprocessConfig(imageSize, mean, std, alphaBackground), augmentation, rank, worldSize);
        }
    }
}
