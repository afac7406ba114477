package dev.jclip.core.config;

/**
 * What a model is trained to do with a caption (the CLIP paper's Figure 2): match it against the batch's other
 * captions (CLIP's contrastive loss), predict its bag of words from the image, or generate it token by token
 * conditioned on the image (a caption language model). Saved in the model config as {@code "objective"}; absent
 * means contrastive, so every config and checkpoint from before reads as one.
 */
public enum Objective {
    CONTRASTIVE,
    BOW,
    CAPTION_LM;

    /** The name in configs and on the command line, the constant's in lower case: {@code contrastive}, {@code bow}, {@code caption-lm}. */
    public String id() {
        return OptionNames.of(this);
    }

    /** Parses {@link #id()}; the error names the accepted values. */
    public static Objective parse(String s) {
        try {
            return OptionNames.parse(Objective.class, s, "objective");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** True for the objectives that predict the caption from the image instead of embedding it. */
    public boolean predictsCaption() {
        return this != CONTRASTIVE;
    }

    @Override
    public String toString() {
        return id();
    }
}
