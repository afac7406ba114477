package dev.jclip.eval;

import dev.jclip.data.image.PreprocessConfig;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What evaluation needs from a CLIP model: an image tower and a text tower mapping into one embedding space.
 *
 * <p>Features may be returned <b>raw (unnormalised)</b>: every evaluation in this module L2-normalises each
 * feature vector itself before comparing or fitting, so an encoder that already normalises works as well.
 * Tokenisation is the encoder's business ({@link #encodeTexts} takes strings).
 */
public interface ImageTextEncoder {

    /** The side S of the square images {@link #encodeImages} expects. */
    int imageSize();

    /**
     * @param images preprocessed images [B, 3, S, S], float
     * @return B feature vectors of the common embedding width E
     */
    float[][] encodeImages(INDArray images);

    /** @return one feature vector of width E per text */
    float[][] encodeTexts(List<String> texts);

    /**
     * True for a model trained to predict captions (the bag-of-words and caption-LM objectives): it has no text
     * embedding, and zero-shot classification scores prompts by their likelihood ({@link #promptScores}) instead.
     */
    default boolean scoresPrompts() {
        return false;
    }

    /**
     * How likely each prompt is given each image, [images][prompts], larger is more likely, from the images' raw
     * features as {@link #encodeImages} returns them; only when {@link #scoresPrompts()}.
     */
    default double[][] promptScores(float[][] imageFeatures, List<String> prompts) {
        throw new UnsupportedOperationException("this encoder embeds texts; it does not score prompts");
    }

    /**
     * The settings of clip-data's image pipeline that turn decoded images into {@link #encodeImages}'s input:
     * CLIP's at {@link #imageSize()} by default; a trained model's own from its checkpoint.
     */
    default PreprocessConfig preprocessing() {
        return PreprocessConfig.clip(imageSize());
    }
}
