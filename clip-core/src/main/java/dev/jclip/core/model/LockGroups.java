package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;

/**
 * open_clip's layer groups for partial locking (LiT, Zhai et al. 2022), by state-dict name. A tower of L
 * transformer blocks has L + 2 groups, from the input up:
 * <ul>
 *   <li>image (ViT, open_clip's {@code VisionTransformer.lock}): {conv1, class_embedding, positional_embedding,
 *       ln_pre}, blocks 0 .. L-2 one group each, {block L-1, ln_post}, {proj};</li>
 *   <li>text (open_clip's {@code lock_text_tower}): {token_embedding, positional_embedding}, blocks 0 .. L-2,
 *       {block L-1, ln_final}, {text_projection}.</li>
 * </ul>
 * Unlocking N groups leaves the last min(N, L + 2) trainable. A ResNet image tower has no groups: open_clip
 * refuses partial locking of it ({@code ModifiedResNet.lock} asserts {@code unlocked_groups == 0}).
 */
public final class LockGroups {
    private LockGroups() {
    }

    /** Number of groups of the image tower (ViT only). */
    public static int imageGroups(ClipConfig cfg) {
        if (cfg.vision().isResNet()) throw new IllegalArgumentException("a ResNet image tower has no lock groups");
        return cfg.vision().depth() + 2;
    }

    public static int textGroups(ClipConfig cfg) {
        return cfg.text().layers() + 2;
    }

    /** The group (0 = nearest the input) of an image-tower parameter of a ViT with {@code layers} blocks. */
    public static int imageGroup(String name, int layers) {
        String n = strip(name, "visual.");
        if (n.equals("proj")) return layers + 1;
        if (n.startsWith("ln_post.")) return layers;
        return blockGroup(n, "transformer.resblocks.", layers, name);
    }

    /** The group of a text-tower parameter of a tower with {@code layers} blocks. */
    public static int textGroup(String name, int layers) {
        if (name.equals("text_projection")) return layers + 1;
        if (name.startsWith("ln_final.")) return layers;
        return blockGroup(name, "transformer.resblocks.", layers, name);
    }

    /** True for a LayerNorm gain or bias (open_clip's Hugging Face towers keep these trainable unless asked). */
    public static boolean isLayerNorm(String name) {
        return name.contains(".ln_1.") || name.contains(".ln_2.") || name.startsWith("ln_final.")
                || name.startsWith("visual.ln_pre.") || name.startsWith("visual.ln_post.");
    }

    private static int blockGroup(String n, String blocks, int layers, String name) {
        if (n.startsWith(blocks)) {
            int end = n.indexOf('.', blocks.length());
            int block = Integer.parseInt(n.substring(blocks.length(), end));
            return block == layers - 1 ? layers : block + 1;
        }
        return 0;   // the embeddings (and the patch convolution, ln_pre)
    }

    private static String strip(String name, String prefix) {
        if (!name.startsWith(prefix)) throw new IllegalArgumentException("not an image-tower parameter: " + name);
        return name.substring(prefix.length());
    }
}
