package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.core.nn.Precision;
import dev.jclip.core.nn.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * CLIP (Radford et al. 2021): an image tower and a text tower projected into one embedding space, compared by
 * cosine similarity scaled by a learnable temperature. Every parameter is named by its OpenAI state-dict key.
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.create(ClipConfig.preset("ViT-B-32"), 42)) {
 *     INDArray img = model.encodeImage(images);   // [B, 512]
 *     INDArray txt = model.encodeText(tokens);    // [B, 512]
 * }
 * }</pre>
 */
public final class ClipModel implements AutoCloseable {
    private final ClipConfig config;
    private final ParameterStore store;
    private final ImageTower visual;
    private final TextTransformer text;
    private final Parameter logitScale;
    /** SigLIP's learnable bias (open_clip's {@code logit_bias}); null for a softmax-loss CLIP. */
    private final Parameter logitBias;
    /** The bag-of-words or caption-LM head ({@link ClipConfig#objective()}); null for a contrastive model. */
    private final CaptionHead head;
    private boolean training = true;
    private final boolean useWorkspace;
    private final TowerStep towers;
    private ConcurrentTowers concurrentTowers = ConcurrentTowers.AUTO;
    private boolean closed;

    /**
     * The towers must have registered their parameters in {@code store}; the model adds logit_scale (and, for a
     * SigLIP config, logit_bias; for a caption-predicting objective, its head's parameters) and flattens it.
     */
    public ClipModel(ClipConfig config, ParameterStore store, ImageTower visual, TextTransformer text) {
        this.config = config;
        this.store = store;
        this.visual = visual;
        this.text = text;
        head = switch (config.objective()) {
            case CONTRASTIVE -> null;
            case BOW -> new BagOfWordsHead(store, config.embedDim(), config.text().vocabSize());
            case CAPTION_LM -> new CaptionLmHead(store, text, config.embedDim(), config.text().vocabSize());
        };
        logitScale = store.constant("logit_scale", config.initLogitScale() != null ? config.initLogitScale() : Math.log(1 / 0.07));
        logitBias = config.isSiglip() ? store.constant("logit_bias", config.initLogitBias()) : null;
        store.flatten();
        useWorkspace = StepWorkspace.worthwhile(store.count());
        towers = new TowerStep(visual, text, this::openStepWorkspace);
    }

    /** A freshly initialised float32 model (OpenAI's initialisation, seeded). */
    public static ClipModel create(ClipConfig config, long seed) {
        return create(config, seed, DataType.FLOAT);
    }

    /** A freshly initialised model in the given precision (DOUBLE for gradient checks). */
    public static ClipModel create(ClipConfig config, long seed, DataType dtype) {
        return withTowers(config, new ParameterStore(dtype, seed));
    }

    /** The config's towers, registering their parameters in {@code store} (fresh, or an inference store's weights). */
    private static ClipModel withTowers(ClipConfig config, ParameterStore store) {
        ImageTower visual = config.vision().isResNet()
                ? new ModifiedResNet(store, config.vision(), config.embedDim())
                : new VisionTransformer(store, config.vision(), config.embedDim(), config.quickGelu());
        TextTransformer text = new TextTransformer(store, config.text(), config.embedDim(), config.quickGelu());
        return new ClipModel(config, store, visual, text);
    }

    /**
     * A model for encoding only, holding the given float32 weights (OpenAI key names, every key must match) as
     * its parameters: no random initialisation, no gradients, no copies (tensors of another type are cast once).
     * Evaluation mode (BatchNorm uses running statistics). Its backward passes and optimisers fail.
     */
    public static ClipModel forInference(ClipConfig config, Map<String, INDArray> state) {
        ClipModel m = withTowers(config, ParameterStore.forInference(state, DataType.FLOAT));
        m.store.checkAllWeightsUsed();
        m.setTraining(false);
        return m;
    }

    /** A trainable model holding a copy of the given weights (OpenAI key names); every key must match. */
    public static ClipModel fromStateDict(ClipConfig config, Map<String, INDArray> state) {
        ClipModel m = create(config, 0);
        m.store.load(state, true);
        return m;
    }

    public ClipConfig config() {
        return config;
    }

    public ParameterStore parameters() {
        return store;
    }

    public Parameter logitScale() {
        return logitScale;
    }

    /** SigLIP's {@code logit_bias}, or null when the model trains with CLIP's softmax loss. */
    public Parameter logitBias() {
        return logitBias;
    }

    /** The caption-predicting head of a bag-of-words or caption-LM model; null for a contrastive one. */
    public CaptionHead captionHead() {
        return head;
    }

    public ImageTower visual() {
        return visual;
    }

    public TextTransformer text() {
        return text;
    }

    /** BatchNorm uses batch statistics (and updates running ones) in training mode, running statistics otherwise. */
    public void setTraining(boolean training) {
        this.training = training;
        visual.setTraining(training);
    }

    /**
     * Activation checkpointing of both towers' transformer blocks (open_clip's {@code set_grad_checkpointing}):
     * gradients are the plain path's bit for bit, activation memory drops to the blocks' inputs, and every block
     * runs forward twice. ResNet bottlenecks are not checkpointed.
     */
    public void setGradCheckpointing(boolean enable) {
        visual.setGradCheckpointing(enable);
        text.setGradCheckpointing(enable);
    }

    /** Seeds the image tower's random choices (patch dropout) for the next forward passes; see {@link ImageTower#seedRandomness}. */
    public void seedRandomness(long seed, int firstRow) {
        visual.seedRandomness(seed, firstRow);
    }

    public boolean isTraining() {
        return training;
    }

    /**
     * Image features [B, E] before normalisation, the products in this model's {@link #precision}; caches what
     * {@link #backwardImage} needs.
     */
    public INDArray encodeImage(INDArray images) {
        return MatMul.inPrecision(towers.precision(), () -> visual.forward(images));
    }

    /**
     * The image tower's representation before its projection into the embedding space ({@link ImageTower#representation}):
     * what a linear probe of the paper reads; [B, width] for a ViT, [B, E] for a ResNet.
     */
    public INDArray imageRepresentation(INDArray images) {
        return visual.representation(images);
    }

    /** {@link ImageTower#representationWithPatchMean}: the representation and the mean of the last spatial features (a ViT's patch tokens, a ResNet's final map). */
    public INDArray imageRepresentationWithPatchMean(INDArray images) {
        return visual.representationWithPatchMean(images);
    }

    /** {@link ImageTower#representationOfEachBlock}: the class token after every block through {@code ln_post}, [B, depth width] (a ViT). */
    public INDArray imageRepresentationOfEachBlock(INDArray images) {
        return visual.representationOfEachBlock(images);
    }

    /** Text features [B, E] before normalisation, in this model's {@link #precision}; caches what {@link #backwardText} needs. */
    public INDArray encodeText(INDArray tokens) {
        return MatMul.inPrecision(towers.precision(), () -> text.forward(tokens));
    }

    public void backwardImage(INDArray gradImageFeatures) {
        MatMul.inPrecision(towers.precision(), () -> visual.backward(gradImageFeatures));
    }

    public void backwardText(INDArray gradTextFeatures) {
        MatMul.inPrecision(towers.precision(), () -> text.backward(gradTextFeatures));
    }

    /**
     * The memory scope for one training step's temporaries, all freed when the step is over: the reusable step
     * arena for models where it pays ({@link StepWorkspace#worthwhile}), else a scope that allocates each
     * temporary on its own and frees them all at its end ({@link StepWorkspace#openStepFreeingAtEnd}). Detach anything
     * that must outlive it.
     */
    public MemoryWorkspace openStepWorkspace() {
        return useWorkspace ? StepWorkspace.open() : StepWorkspace.openStepFreeingAtEnd();
    }

    /** The two logit matrices, as OpenAI's {@code forward}: logits_per_image [B_img, B_txt] and its transpose. */
    public Logits forward(INDArray images, INDArray tokens) {
        INDArray perImage = ContrastiveLoss.logits(encodeImage(images), encodeText(tokens), logitScale.value().getDouble(0));
        return new Logits(perImage, perImage.transpose().dup('c'));
    }

    /** logits_per_image and logits_per_text. */
    public record Logits(INDArray perImage, INDArray perText) {
    }

    /** An objective over a batch's image and text features [B, E]: its loss and gradients ({@link #loss}, or a distributed one). */
    @FunctionalInterface
    public interface Objective {
        FeatureLoss apply(INDArray imageFeatures, INDArray textFeatures);
    }

    /**
     * The last training step's time in each tower (forward and backward, nanoseconds), what the forward passes held
     * for backward (bytes: the step scope's allocations and the blocks' kept scopes, on every thread), and whether the
     * towers ran at the same time.
     */
    public record StepTiming(long imageNanos, long textNanos, long forwardBytes, boolean concurrent) {
    }

    /** A batch's loss and its gradients with respect to the (unnormalised) image and text features. */
    public record FeatureLoss(double loss, INDArray gradImageFeatures, INDArray gradTextFeatures) {
        FeatureLoss detach() {
            return new FeatureLoss(loss, gradImageFeatures.detach(), gradTextFeatures.detach());
        }
    }

    /**
     * The training loss over matching pairs' features: SigLIP's sigmoid loss when the model has a
     * {@code logit_bias} ({@link ClipConfig#isSiglip()}), else CLIP's softmax loss. The gradients of
     * {@code logit_scale} (and {@code logit_bias}) accumulate into their parameters when trainable.
     */
    public FeatureLoss loss(INDArray imageFeatures, INDArray textFeatures) {
        if (head != null) {
            throw new IllegalStateException("objective " + config.objective() + " has no loss over text features: train it with trainStep");
        }
        if (logitBias != null) {
            SigLipLoss.Result r = SigLipLoss.compute(imageFeatures, textFeatures, logitScale, logitBias);
            return new FeatureLoss(r.loss(), r.gradImageFeatures(), r.gradTextFeatures());
        }
        ContrastiveLoss.Result r = ContrastiveLoss.compute(imageFeatures, textFeatures, logitScale);
        return new FeatureLoss(r.loss(), r.gradImageFeatures(), r.gradTextFeatures());
    }

    /**
     * One forward + loss ({@link #loss}, or the caption head's for a bag-of-words or caption-LM model, whose
     * feature loss then has no text gradient) + backward over matching pairs; gradients accumulate into the parameters
     * (call {@code parameters().zeroGrad()} first). Returns the loss and the feature gradients.
     */
    public FeatureLoss trainStep(INDArray images, INDArray tokens) {
        if (head != null) {
            try (MemoryWorkspace ws = openStepWorkspace()) {
                CaptionHead.Result r = head.lossAndBackward(encodeImage(images), tokens);
                backwardImage(r.gradImageFeatures());
                return new FeatureLoss(r.loss(), r.gradImageFeatures().detach(), null);
            }
        }
        return trainStep(images, tokens, this::loss);
    }

    /**
     * One forward of both towers, {@code objective} over their features, and backward of both; gradients accumulate
     * into the parameters. The towers run at the same time where {@link #setConcurrentTowers} says so, with the same
     * bits either way. Returns the objective's result, detached.
     */
    public FeatureLoss trainStep(INDArray images, INDArray tokens, Objective objective) {
        return towers.run(images, tokens, objective, towerThreads(images.size(0)));
    }

    /** The last {@link #trainStep}'s timing per tower (null before the first). */
    public StepTiming lastStepTiming() {
        return towers.lastTiming();
    }

    /**
     * The number format of the towers' matrix products in {@link #trainStep}, {@link #encodeImage}, {@link #encodeText}
     * and their backward passes ({@link Precision}; the objective's products stay float32); FLOAT32 by default. BF16
     * fails here, with its reason, where no bf16 kernel can run ({@link dev.jclip.core.nn.Bf16Gemm#get}).
     */
    public void setPrecision(Precision precision) {
        if (precision == Precision.BF16) dev.jclip.core.nn.Bf16Gemm.get();
        towers.setPrecision(precision);
    }

    public Precision precision() {
        return towers.precision();
    }

    /** Whether the towers of a training step run at the same time ({@link ConcurrentTowers}); AUTO by default. */
    public void setConcurrentTowers(ConcurrentTowers mode) {
        concurrentTowers = java.util.Objects.requireNonNull(mode);
    }

    /**
     * Training-step FLOPs per kernel thread below which AUTO runs the towers at the same time. At two threads on the
     * development VM (docs/PERFORMANCE.md, "Two towers at once"): RN-TINY b64 (8.3 GFLOP per thread) 240 -> 175 ms
     * per step together, SMALL b64 (0.7) 40 -> 32; MEDIUM b128 (32 GFLOP) 630 -> 615-662 ms, ViT-B-32 b8 (177)
     * 1,874 -> 2,004, RN50 b8 (211) 2,490 -> 2,645: a tower large enough keeps two threads busy on its own, and two
     * towers at once then only compete for caches and memory bandwidth.
     */
    static final double CONCURRENT_BELOW_FLOPS_PER_THREAD = 16e9;

    /**
     * The kernel threads of the image and the text tower when a step over {@code batch} pairs runs them at the same
     * time, or null for one after the other: only on the CPU with the fused kernels and thread-count-independent
     * products, with two or more kernel threads, split in proportion to each tower's forward FLOPs. AUTO runs them
     * together when each tower's share is at least one thread and the step is small
     * ({@link #CONCURRENT_BELOW_FLOPS_PER_THREAD}).
     */
    int[] towerThreads(long batch) {
        if (concurrentTowers == ConcurrentTowers.OFF || !"fused".equals(dev.jclip.core.nn.CpuKernels.kernels())
                || !"blocks".equals(dev.jclip.core.nn.MatMul.mode())) return null;
        int threads = dev.jclip.core.nn.CpuKernels.threads();
        if (threads < 2) return null;
        double image = FlopCounter.imageFlops(config.vision(), config.embedDim());
        double text = FlopCounter.textFlops(config.text(), config.embedDim());
        int imageThreads = (int) Math.round(threads * image / (image + text));
        if (concurrentTowers == ConcurrentTowers.AUTO && (imageThreads < 1 || imageThreads > threads - 1
                || FlopCounter.trainStepFlops(config, (int) batch) / threads >= CONCURRENT_BELOW_FLOPS_PER_THREAD)) {
            return null;
        }
        imageThreads = Math.max(1, Math.min(threads - 1, imageThreads));
        return new int[]{imageThreads, threads - imageThreads};
    }

    /** The largest logit scale CLIP allows: ln 100, a temperature of 0.01. */
    public static final double MAX_LOGIT_SCALE = Math.log(100);

    /** Clamps {@code logit_scale} to [0, ln 100], as OpenAI and open_clip do after every optimiser step. */
    public void clampLogitScale() {
        INDArray s = logitScale.value();
        double v = s.getDouble(0);
        if (v < 0 || v > MAX_LOGIT_SCALE) s.assign(Math.max(0, Math.min(MAX_LOGIT_SCALE, v)));
    }

    /**
     * Locks the image tower as open_clip's {@code lock_image_tower} does (LiT): every {@code visual.*} parameter
     * frozen except the last {@code unlockedGroups} of {@link LockGroups} (ViT only: a ResNet tower takes 0);
     * with {@code freezeBnStats} the tower's BatchNorm layers keep their running statistics in training.
     * Call {@code parameters().releaseFrozenGradients()} once everything is locked to drop their gradients.
     */
    public void lockImageTower(int unlockedGroups, boolean freezeBnStats) {
        if (unlockedGroups < 0) throw new IllegalArgumentException("unlocked groups must be >= 0, got " + unlockedGroups);
        if (unlockedGroups > 0 && config.vision().isResNet()) {
            throw new IllegalArgumentException("partial locking of a ResNet image tower is not supported (open_clip"
                    + " refuses it too): lock it whole (unlocked groups 0)");
        }
        int groups = config.vision().isResNet() ? 0 : LockGroups.imageGroups(config);
        for (Parameter p : store) {
            if (!isImageParameter(p.name())) continue;
            boolean unlocked = unlockedGroups > 0 && LockGroups.imageGroup(p.name(), config.vision().depth()) >= groups - unlockedGroups;
            p.setTrainable(unlocked);
        }
        visual.freezeNormStats(freezeBnStats);
    }

    /**
     * Locks the text tower as open_clip's {@code lock_text_tower} does: every text parameter frozen except the last
     * {@code unlockedLayers} of {@link LockGroups}; without {@code freezeLayerNorm} the LayerNorm gains and biases of
     * the locked part stay trainable (open_clip's Hugging Face text towers; its own tower treats them like other
     * weights, which is {@code freezeLayerNorm}).
     */
    public void lockTextTower(int unlockedLayers, boolean freezeLayerNorm) {
        if (unlockedLayers < 0) throw new IllegalArgumentException("unlocked layers must be >= 0, got " + unlockedLayers);
        int groups = LockGroups.textGroups(config);
        for (Parameter p : store) {
            if (!isTextParameter(p.name())) continue;
            boolean unlocked = unlockedLayers > 0 && LockGroups.textGroup(p.name(), config.text().layers()) >= groups - unlockedLayers;
            p.setTrainable(unlocked || (!freezeLayerNorm && LockGroups.isLayerNorm(p.name())));
        }
    }

    /** Parameter names belonging to the image tower (for --lock-image). */
    public static boolean isImageParameter(String name) {
        return name.startsWith("visual.");
    }

    /** Parameter names belonging to the text tower (for --lock-text, {@link #lockTextTower}). */
    public static boolean isTextParameter(String name) {
        return name.startsWith("token_embedding") || name.startsWith("positional_embedding")
                || name.startsWith("transformer.") || name.startsWith("ln_final") || name.startsWith("text_projection");
    }

    /**
     * Frees the native memory the model holds now, not at some later collection: the flat parameter and gradient
     * buffers, the BatchNorm buffers, and this thread's step arenas. The model cannot be used afterwards.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        store.close();
        towers.close();
        StepWorkspace.release();
    }
}
