package dev.jclip.core.config;

/**
 * The text tower, in open_clip's {@code text_cfg} schema: a causal pre-LN Transformer pooled at the
 * end-of-text token (the largest id in each row, as OpenAI's CLIP finds it with argmax).
 */
public record TextConfig(int contextLength, int vocabSize, int width, int heads, int layers, double mlpRatio) {
}
