package dev.jclip.eval;

import dev.jclip.core.config.OptionNames;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.model.CaptionHead;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.nn.StepWorkspace;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.text.CaptionTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

/**
 * A {@link ClipModel} plus its tokenizer and image preprocessing, seen as the {@link ImageTextEncoder} that
 * evaluation needs. Its image features are the projected embeddings, or, for linear probes
 * ({@link #withImageFeatures}), the tower's representation before the projection.
 */
public final class ModelEncoder implements ImageTextEncoder {
    /** Which image features {@link #encodeImages} returns. */
    public enum ImageFeatures {
        /** The image embedding in the joint space ({@link ClipModel#encodeImage}): what zero-shot and retrieval compare. */
        PROJECTED,
        /**
         * The tower's representation before the projection ({@link ClipModel#imageRepresentation}): what the CLIP
         * paper's linear probes read. Not in the text's space: for probes only.
         */
        PRE_PROJECTION,
        /**
         * The representation beside the mean over the image's positions of the tower's last spatial features
         * ({@link ClipModel#imageRepresentationWithPatchMean}: a ViT's patch tokens, twice its width; a ResNet's final
         * feature map, embed_dim plus its channels).
         */
        PRE_PROJECTION_PATCH_MEAN,
        /**
         * The class token after every transformer block, each through the tower's final norm, concatenated
         * ({@link ClipModel#imageRepresentationOfEachBlock}): depth times the tower's width, a multi-layer probe's
         * features (the last block's are {@link #PRE_PROJECTION}); ViTs only ({@link #supports}).
         */
        PRE_PROJECTION_LAYERS;

        /** The name used on the command line and in reports, the constant's in lower case ({@code projected}, {@code pre-projection}). */
        public String label() {
            return OptionNames.of(this);
        }

        /** Parses {@link #label()}; the error names the accepted labels. */
        public static ImageFeatures parse(String label) {
            return OptionNames.parse(ImageFeatures.class, label, "image features");
        }

        /** Whether these features need a ViT's transformer blocks (the layers do; a ResNet has none). */
        public boolean needsViT() {
            return this == PRE_PROJECTION_LAYERS;
        }

        /** Whether {@code model}'s image tower has these features. */
        public boolean supports(ClipModel model) {
            return switch (this) {
                case PROJECTED, PRE_PROJECTION -> true;
                case PRE_PROJECTION_PATCH_MEAN -> model.visual().hasPatchMean();
                case PRE_PROJECTION_LAYERS -> model.visual().hasBlockOutputs();
            };
        }
    }

    private final ClipModel model;
    private final CaptionTokenizer tokenizer;
    private final PreprocessConfig preprocessing;
    private final ImageFeatures imageFeatures;

    /** With CLIP's preprocessing at the model's image size. */
    public ModelEncoder(ClipModel model, CaptionTokenizer tokenizer) {
        this(model, tokenizer, PreprocessConfig.clip(model.config().vision().imageSize()));
    }

    public ModelEncoder(ClipModel model, CaptionTokenizer tokenizer, PreprocessConfig preprocessing) {
        this(model, tokenizer, preprocessing, ImageFeatures.PROJECTED);
    }

    private ModelEncoder(ClipModel model, CaptionTokenizer tokenizer, PreprocessConfig preprocessing, ImageFeatures imageFeatures) {
        if (preprocessing.imageSize() != model.config().vision().imageSize()) {
            throw new IllegalArgumentException("preprocessing makes " + preprocessing.imageSize() + "px images, the model takes "
                    + model.config().vision().imageSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.preprocessing = preprocessing;
        this.imageFeatures = imageFeatures;
        model.setTraining(false);
    }

    /**
     * The preprocessing a checkpoint records ({@link PreprocessConfig#METADATA_KEY}; CLIP's for checkpoints
     * without it), its alpha background replaced by {@code alphaOverride} when that is not null.
     */
    public static PreprocessConfig preprocessing(Path checkpoint, int imageSize, AlphaBackground alphaOverride) {
        PreprocessConfig p = PreprocessConfig.fromMetadata(Checkpoints.readMetadata(checkpoint), imageSize, checkpoint.toString());
        return alphaOverride == null ? p : p.withAlphaBackground(alphaOverride);
    }

    /** The same model and tokenizer with other preprocessing (e.g. an explicit {@code --alpha-background}). */
    public ModelEncoder withPreprocessing(PreprocessConfig other) {
        return new ModelEncoder(model, tokenizer, other, imageFeatures);
    }

    /** The same model whose {@link #encodeImages} returns {@code features} (a feature cache must key on it). */
    public ModelEncoder withImageFeatures(ImageFeatures features) {
        if (!features.supports(model)) {
            throw new IllegalArgumentException(features.label() + " features: " + model.visual().getClass().getSimpleName()
                    + " does not have them" + (features.needsViT() ? " (they need a ViT's transformer blocks)" : ""));
        }
        return new ModelEncoder(model, tokenizer, preprocessing, features);
    }

    public ImageFeatures imageFeatures() {
        return imageFeatures;
    }

    @Override
    public PreprocessConfig preprocessing() {
        return preprocessing;
    }

    public ClipModel model() {
        return model;
    }

    @Override
    public int imageSize() {
        return model.config().vision().imageSize();
    }

    /** The projected embeddings [B, E], or the representations before the projection (see {@link #withImageFeatures}). */
    @Override
    public float[][] encodeImages(INDArray images) {
        INDArray x = images.castTo(DataType.FLOAT);
        return (switch (imageFeatures) {
            case PROJECTED -> model.encodeImage(x);
            case PRE_PROJECTION -> model.imageRepresentation(x);
            case PRE_PROJECTION_PATCH_MEAN -> model.imageRepresentationWithPatchMean(x);
            case PRE_PROJECTION_LAYERS -> model.imageRepresentationOfEachBlock(x);
        }).toFloatMatrix();
    }

    @Override
    public float[][] encodeTexts(List<String> texts) {
        if (scoresPrompts()) {
            throw new IllegalStateException("the model was trained with objective " + model.config().objective() + ": it predicts"
                    + " captions and has no text embedding (zero-shot scores prompts by likelihood; retrieval and cosine"
                    + " similarities need a contrastive model)");
        }
        return model.encodeText(tokens(texts)).toFloatMatrix();
    }

    private INDArray tokens(List<String> texts) {
        int ctx = model.config().text().contextLength();
        int[][] rows = new int[texts.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = tokenizer.tokenize(texts.get(i), ctx, true);
        return Nd4j.createFromArray(rows);
    }

    @Override
    public boolean scoresPrompts() {
        return model.captionHead() != null;
    }

    /** The caption head's likelihood of each prompt given each image ({@link CaptionHead#scores}), 64 images at a time. */
    @Override
    public double[][] promptScores(float[][] imageFeatures, List<String> prompts) {
        CaptionHead head = model.captionHead();
        if (head == null) throw new UnsupportedOperationException("a contrastive model embeds texts; it does not score prompts");
        INDArray tokens = tokens(prompts);
        double[][] out = new double[imageFeatures.length][];
        for (int start = 0; start < imageFeatures.length; start += 64) {
            int end = Math.min(imageFeatures.length, start + 64);
            try (MemoryWorkspace ws = StepWorkspace.openFreeingAtEnd()) {
                INDArray f = Nd4j.createFromArray(java.util.Arrays.copyOfRange(imageFeatures, start, end)).castTo(model.parameters().dtype());
                double[][] s = head.scores(f, tokens).toDoubleMatrix();
                System.arraycopy(s, 0, out, start, s.length);
            }
        }
        return out;
    }
}
