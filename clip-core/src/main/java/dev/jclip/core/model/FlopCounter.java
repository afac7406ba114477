package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.TextConfig;
import dev.jclip.core.config.VisionConfig;

/**
 * Analytic multiply-add counts (as FLOPs = 2 x MACs) of one CLIP forward pass per image-text pair: matrix
 * products, convolutions and attention; elementwise work is ignored. A training step is counted as 3x forward
 * (backward computes two products per forward product), the usual convention.
 */
public final class FlopCounter {
    private FlopCounter() {
    }

    public static double forwardFlopsPerPair(ClipConfig cfg) {
        return imageFlops(cfg.vision(), cfg.embedDim()) + textFlops(cfg.text(), cfg.embedDim());
    }

    public static double trainStepFlops(ClipConfig cfg, int batch) {
        double contrastive = 2.0 * batch * batch * cfg.embedDim();
        return 3.0 * (forwardFlopsPerPair(cfg) * batch + contrastive);
    }

    static double transformerFlops(int tokens, int width, int layers, double mlpRatio) {
        int hidden = (int) Math.round(width * mlpRatio);
        return 2.0 * layers * (attentionMadds(1, tokens, width) + mlpMadds(1, tokens, width, hidden));
    }

    /**
     * Multiply-adds of one forward pass of {@code MultiheadSelfAttention} over {@code batch} sequences of {@code tokens}
     * tokens of {@code width}: the packed in-projection, the core ({@link #attentionCoreMadds}) and the out-projection.
     * A causal mask does not change the count (the convention; the fused kernel skips the masked half of the core).
     */
    public static double attentionMadds(int batch, int tokens, int width) {
        return (double) batch * tokens * width * 3 * width + attentionCoreMadds(batch, tokens, width)
                + (double) batch * tokens * width * width;
    }

    /** Multiply-adds of the attention core's forward pass: scores q k^T and context p v, all heads together. */
    public static double attentionCoreMadds(int batch, int tokens, int width) {
        return 2.0 * batch * tokens * tokens * width;
    }

    /** Multiply-adds of a transformer MLP's forward pass: {@code c_fc} (width to hidden) and {@code c_proj} back. */
    public static double mlpMadds(int batch, int tokens, int width, int hidden) {
        return 2.0 * batch * tokens * width * hidden;
    }

    /** Multiply-adds of a bias-free convolution's forward pass, counted as im2col's product (padding included). */
    public static double convMadds(int batch, int in, int out, int kernel, int outputSide) {
        return (double) batch * in * out * kernel * kernel * outputSide * outputSide;
    }

    /**
     * Multiply-adds of {@code AttentionPool2d}'s forward pass on {@code tokens - 1} pixels of {@code channels}: the
     * mean token's query, keys and values of every token, scores and context of the one query, {@code c_proj}.
     */
    public static double attentionPoolMadds(int batch, int tokens, int channels, int embed) {
        return (double) batch * ((double) channels * channels * (1 + 2.0 * tokens) + 2.0 * tokens * channels
                + (double) channels * embed);
    }

    static double textFlops(TextConfig t, int embed) {
        return transformerFlops(t.contextLength(), t.width(), t.layers(), t.mlpRatio()) + 2.0 * t.width() * embed;
    }

    static double imageFlops(VisionConfig v, int embed) {
        if (!v.isResNet()) {
            int patches = v.gridSize() * v.gridSize();
            return 2.0 * patches * 3 * v.patchSize() * v.patchSize() * v.width()
                    + transformerFlops(patches + 1, v.width(), v.depth(), v.mlpRatio()) + 2.0 * v.width() * embed;
        }
        double f = 0;
        int s = v.imageSize() / 2;
        int w = v.width();
        f += conv(3, w / 2, 3, s) + conv(w / 2, w / 2, 3, s) + conv(w / 2, w, 3, s);
        s /= 2;
        int inplanes = w;
        for (int stage = 0; stage < 4; stage++) {
            int planes = w << stage;
            for (int b = 0; b < v.layers()[stage]; b++) {
                int stride = b == 0 && stage > 0 ? 2 : 1;
                f += conv(inplanes, planes, 1, s) + conv(planes, planes, 3, s);
                int out = s / stride;
                f += conv(planes, planes * 4, 1, out);
                if (stride > 1 || inplanes != planes * 4) f += conv(inplanes, planes * 4, 1, out);
                inplanes = planes * 4;
                s = out;
            }
        }
        return f + 2.0 * attentionPoolMadds(1, s * s + 1, v.resnetOutputWidth(), embed);
    }

    private static double conv(int in, int out, int k, int side) {
        return 2.0 * convMadds(1, in, out, k, side);
    }
}
