package dev.jclip.core.config;

import java.util.Arrays;

/**
 * The image tower, in open_clip's {@code vision_cfg} schema. A ViT has one layer count and a patch size;
 * a ModifiedResNet has four layer counts (one per stage) and no patch size.
 *
 * @param imageSize  input resolution (square)
 * @param layers     transformer depth (length 1) or ResNet stage depths (length 4)
 * @param width      transformer width, or the ResNet stem width (stage widths are width*1,2,4,8 x4 expansion)
 * @param headWidth  width of one attention head (open_clip's default 64)
 * @param heads      explicit head count, or 0 to derive it from {@code headWidth} as open_clip does
 * @param patchSize  ViT patch size; 0 for a ResNet
 * @param mlpRatio   MLP hidden width over transformer width
 * @param patchDropout open_clip's {@code patch_dropout}: the fraction of patch tokens a ViT drops at random per
 *                   image in training (FLIP, Li et al. 2023), in [0, 1); 0 = none. Evaluation never drops.
 */
public record VisionConfig(int imageSize, int[] layers, int width, int headWidth, int heads, int patchSize,
                           double mlpRatio, double patchDropout) {

    public VisionConfig {
        if (!(patchDropout >= 0 && patchDropout < 1)) {
            throw new ConfigException("vision_cfg.patch_dropout must be in [0, 1), got " + patchDropout);
        }
    }

    /** Without patch dropout. */
    public VisionConfig(int imageSize, int[] layers, int width, int headWidth, int heads, int patchSize, double mlpRatio) {
        this(imageSize, layers, width, headWidth, heads, patchSize, mlpRatio, 0);
    }

    /** The same tower with another patch dropout fraction (open_clip's {@code force_patch_dropout}). */
    public VisionConfig withPatchDropout(double fraction) {
        return new VisionConfig(imageSize, layers, width, headWidth, heads, patchSize, mlpRatio, fraction);
    }

    public boolean isResNet() {
        return patchSize == 0;
    }

    /** Attention heads: open_clip's rule (ViT: width / head_width; ResNet: width * 32 / head_width) unless given. */
    public int resolvedHeads() {
        if (heads > 0) return heads;
        return isResNet() ? width * 32 / headWidth : width / headWidth;
    }

    /** Transformer depth for a ViT. */
    public int depth() {
        return Arrays.stream(layers).sum();
    }

    /** Patches per side (ViT) or the final feature-map side (ResNet: 32x downsampling). */
    public int gridSize() {
        return isResNet() ? imageSize / 32 : imageSize / patchSize;
    }

    /** Channels out of the ResNet trunk (and into attention pooling): width * 32. */
    public int resnetOutputWidth() {
        return width * 32;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VisionConfig v && imageSize == v.imageSize && Arrays.equals(layers, v.layers)
                && width == v.width && headWidth == v.headWidth && heads == v.heads && patchSize == v.patchSize
                && mlpRatio == v.mlpRatio && patchDropout == v.patchDropout;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(layers) + imageSize * 7 + width * 13 + patchSize;
    }

    @Override
    public String toString() {
        return "VisionConfig[imageSize=" + imageSize + ", layers=" + Arrays.toString(layers) + ", width=" + width
                + ", headWidth=" + headWidth + ", heads=" + heads + ", patchSize=" + patchSize
                + ", mlpRatio=" + mlpRatio + (patchDropout > 0 ? ", patchDropout=" + patchDropout : "") + "]";
    }
}
