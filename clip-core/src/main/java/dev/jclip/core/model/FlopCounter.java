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
        double hidden = width * mlpRatio;
        double perLayer = 2.0 * tokens * width * 3 * width    // in_proj
                + 2.0 * tokens * tokens * width * 2             // scores and context
                + 2.0 * tokens * width * width                  // out_proj
                + 2.0 * tokens * width * hidden * 2;            // c_fc and c_proj
        return perLayer * layers;
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
        int c = v.resnetOutputWidth();
        int tokens = s * s + 1;
        f += 2.0 * c * c * (1 + 2.0 * tokens) + 2.0 * tokens * c * 2 + 2.0 * c * embed;
        return f;
    }

    private static double conv(int in, int out, int k, int side) {
        return 2.0 * in * out * k * k * side * side;
    }
}
