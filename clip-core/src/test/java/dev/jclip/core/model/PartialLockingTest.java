package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trainable-parameter counts under open_clip's locking rules, for ViT-B-32 and RN50: the model's flags against
 * (1) the rules written out again here over the state-dict shapes, and (2) the figures of docs/TRAINING.md,
 * which a separate script computed from OpenAI's module definitions.
 */
class PartialLockingTest {
    private static ClipModel vit, rn;

    @BeforeAll
    static void build() {
        vit = ClipModel.create(ClipConfig.preset("ViT-B-32"), 0);
        rn = ClipModel.create(ClipConfig.preset("RN50"), 0);
    }

    @AfterAll
    static void close() {
        vit.close();
        rn.close();
    }

    private static final Pattern BLOCK = Pattern.compile("^(visual\\.)?transformer\\.resblocks\\.(\\d+)\\.");
    private static final Pattern LAYER_NORM = Pattern.compile("(^|\\.)(ln_1|ln_2|ln_final)\\.");

    /** open_clip's groups, restated: embeddings 0, block b -> b + 1 except the last (with ln_post / ln_final) L, projection L + 1. */
    private static int group(String name, int layers) {
        if (name.equals("visual.proj") || name.equals("text_projection")) return layers + 1;
        if (name.startsWith("visual.ln_post.") || name.startsWith("ln_final.")) return layers;
        Matcher m = BLOCK.matcher(name);
        if (m.find()) return Math.min(Integer.parseInt(m.group(2)) + 1, layers);
        return 0;
    }

    /** Scalars open_clip would train, from the state-dict shapes alone. */
    private static long expected(ClipModel model, boolean lockImage, int imageGroups, boolean lockText, int textLayers,
                                 boolean freezeLayerNorm) {
        int lv = model.config().vision().depth(), lt = model.config().text().layers();
        long n = 0;
        for (Map.Entry<String, INDArray> e : model.parameters().stateDict().entrySet()) {
            String k = e.getKey();
            if (model.parameters().buffers().containsKey(k)) continue;   // BatchNorm statistics are not parameters
            boolean image = k.startsWith("visual."), text = !image && !k.startsWith("logit_");
            boolean trains = true;
            if (image && lockImage) trains = imageGroups > 0 && group(k, lv) >= lv + 2 - imageGroups;
            if (text && lockText) {
                trains = (textLayers > 0 && group(k, lt) >= lt + 2 - textLayers) || (!freezeLayerNorm && LAYER_NORM.matcher(k).find());
            }
            if (trains) n += e.getValue().length();
        }
        return n;
    }

    private static long trainable(ClipModel model, boolean lockImage, int imageGroups, boolean lockText, int textLayers,
                                  boolean freezeLayerNorm) {
        for (Parameter p : model.parameters()) p.setTrainable(true);
        if (lockImage) model.lockImageTower(imageGroups, false);
        if (lockText) model.lockTextTower(textLayers, freezeLayerNorm);
        long n = 0;
        for (Parameter p : model.parameters()) if (p.trainable()) n += p.size();
        assertEquals(expected(model, lockImage, imageGroups, lockText, textLayers, freezeLayerNorm), n,
                "image " + lockImage + "/" + imageGroups + ", text " + lockText + "/" + textLayers + "/" + freezeLayerNorm);
        return n;
    }

    @Test
    void vitB32CountsAreOpenClips() {
        assertEquals(151_277_313L, trainable(vit, false, 0, false, 0, false));
        assertEquals(63_428_097L, trainable(vit, true, 0, false, 0, false));      // LiT: the text tower and logit_scale
        assertEquals(63_821_313L, trainable(vit, true, 1, false, 0, false));      // + proj
        assertEquals(70_910_721L, trainable(vit, true, 2, false, 0, false));      // + the last block and ln_post
        assertEquals(99_262_209L, trainable(vit, true, 6, false, 0, false));
        assertEquals(151_277_313L, trainable(vit, true, 14, false, 0, false));    // 12 blocks: 14 groups, all unlocked
        assertEquals(151_277_313L, trainable(vit, true, 20, false, 0, false));
        assertEquals(87_849_217L, trainable(vit, false, 0, true, 0, true));
        assertEquals(87_874_817L, trainable(vit, false, 0, true, 0, false));      // + 25 LayerNorms of 512 x 2
        assertEquals(88_111_361L, trainable(vit, false, 0, true, 1, true));       // + text_projection
        assertEquals(91_264_769L, trainable(vit, false, 0, true, 2, true));
        assertEquals(91_287_297L, trainable(vit, false, 0, true, 2, false));
        assertEquals(151_277_313L, trainable(vit, false, 0, true, 14, true));
    }

    @Test
    void rn50CountsAreOpenClipsAndItsImageTowerLocksOnlyWhole() {
        assertEquals(102_007_137L, trainable(rn, false, 0, false, 0, false));
        assertEquals(63_690_241L, trainable(rn, true, 0, false, 0, false));
        assertEquals(38_316_897L, trainable(rn, false, 0, true, 0, true));
        assertEquals(38_342_497L, trainable(rn, false, 0, true, 0, false));
        assertEquals(41_994_593L, trainable(rn, false, 0, true, 2, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rn.lockImageTower(1, false));
        assertTrue(e.getMessage().contains("ResNet"), e.getMessage());
    }
}
