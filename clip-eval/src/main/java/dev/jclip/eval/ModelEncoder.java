package dev.jclip.eval;

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
 * evaluation needs.
 */
public final class ModelEncoder implements ImageTextEncoder {
    private final ClipModel model;
    private final CaptionTokenizer tokenizer;
    private final PreprocessConfig preprocessing;

    /** With CLIP's preprocessing at the model's image size. */
    public ModelEncoder(ClipModel model, CaptionTokenizer tokenizer) {
        this(model, tokenizer, PreprocessConfig.clip(model.config().vision().imageSize()));
    }

    public ModelEncoder(ClipModel model, CaptionTokenizer tokenizer, PreprocessConfig preprocessing) {
        if (preprocessing.imageSize() != model.config().vision().imageSize()) {
            throw new IllegalArgumentException("preprocessing makes " + preprocessing.imageSize() + "px images, the model takes "
                    + model.config().vision().imageSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.preprocessing = preprocessing;
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
        return new ModelEncoder(model, tokenizer, other);
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

    @Override
    public float[][] encodeImages(INDArray images) {
        return model.encodeImage(images.castTo(DataType.FLOAT)).toFloatMatrix();
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
