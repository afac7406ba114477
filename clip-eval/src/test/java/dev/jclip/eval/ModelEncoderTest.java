package dev.jclip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.FeatureCache;
import java.io.IOException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelEncoderTest {
    /** A ViT of width 8 projecting into a 6-d embedding space. */
    static final String MICRO = """
            {"embed_dim": 6, "quick_gelu": true,
             "vision_cfg": {"image_size": 8, "layers": 1, "width": 8, "head_width": 4, "patch_size": 4},
             "text_cfg": {"context_length": 5, "vocab_size": 11, "width": 8, "heads": 2, "layers": 1}}""";

    @TempDir
    Path dir;

    /**
     * The pre-projection features are the tower's 8-d representation, which visual.proj maps onto the 6-d
     * embeddings; cached beside the embeddings of the same images under a key of their own.
     */
    @Test
    void preProjectionFeaturesAreWhatTheProjectionMaps() throws IOException {
        ClipModel model = ClipModel.create(ClipConfig.parse(MICRO, "micro"), 3);
        ModelEncoder projected = new ModelEncoder(model, null);
        ModelEncoder pre = projected.withImageFeatures(ModelEncoder.ImageFeatures.PRE_PROJECTION);
        assertEquals(ModelEncoder.ImageFeatures.PROJECTED, projected.imageFeatures());
        LabelledImageDataset d = DatasetSpec.open(EvaluationsTest.colourFolder(dir).toString(), null);
        FeatureCache cache = new FeatureCache(dir.resolve("cache"));
        float[][] e = new Evaluations.FeatureSource(projected, 4, cache, "m").images(d);
        float[][] r = new Evaluations.FeatureSource(pre, 4, cache, "m").images(d);
        assertEquals(d.size(), r.length);
        assertEquals(6, e[0].length);
        assertEquals(8, r[0].length);
        float[][] proj = model.parameters().get("visual.proj").value().toFloatMatrix();
        for (int i = 0; i < r.length; i++) {
            for (int k = 0; k < 6; k++) {
                double dot = 0;
                for (int j = 0; j < 8; j++) dot += (double) r[i][j] * proj[j][k];
                assertEquals(dot, e[i][k], 1e-4);
            }
        }
        float[][] both = new Evaluations.FeatureSource(projected.withImageFeatures(ModelEncoder.ImageFeatures.PRE_PROJECTION_PATCH_MEAN), 4,
                cache, "m").images(d);
        assertEquals(16, both[0].length);
        for (int i = 0; i < r.length; i++) for (int j = 0; j < 8; j++) assertEquals(r[i][j], both[i][j], 1e-6);
        // one block: the layers' features are the representation itself, under a cache key of their own
        float[][] layers = new Evaluations.FeatureSource(projected.withImageFeatures(ModelEncoder.ImageFeatures.PRE_PROJECTION_LAYERS), 4,
                cache, "m").images(d);
        assertEquals(8, layers[0].length);
        for (int i = 0; i < r.length; i++) for (int j = 0; j < 8; j++) assertEquals(r[i][j], layers[i][j], 1e-6);
        // read back from the cache, each kind under its own key
        assertEquals(8, new Evaluations.FeatureSource(pre, 4, cache, "m").images(d)[0].length);
        assertEquals(6, new Evaluations.FeatureSource(projected, 4, cache, "m").images(d)[0].length);
    }

    @Test
    void parsesTheFeatureLabels() {
        for (ModelEncoder.ImageFeatures f : ModelEncoder.ImageFeatures.values()) assertEquals(f, ModelEncoder.ImageFeatures.parse(f.label()));
        assertEquals("pre-projection", ModelEncoder.ImageFeatures.PRE_PROJECTION.label());
        assertThrows(IllegalArgumentException.class, () -> ModelEncoder.ImageFeatures.parse("pooled"));
        ClipModel resnet = ClipModel.create(ClipConfig.preset("RN-tiny"), 1);
        assertEquals("pre-projection-layers", ModelEncoder.ImageFeatures.PRE_PROJECTION_LAYERS.label());
        assertTrue(ModelEncoder.ImageFeatures.PRE_PROJECTION_PATCH_MEAN.supports(resnet));
        assertFalse(ModelEncoder.ImageFeatures.PRE_PROJECTION_LAYERS.supports(resnet));
        assertThrows(IllegalArgumentException.class,
                () -> new ModelEncoder(resnet, null).withImageFeatures(ModelEncoder.ImageFeatures.PRE_PROJECTION_LAYERS));
        assertTrue(ModelEncoder.ImageFeatures.PRE_PROJECTION.supports(resnet));
        // a ResNet's patch mean: the attention pool's output (embed_dim) beside its input map's mean (the map's channels)
        int s = resnet.config().vision().imageSize();
        ModelEncoder rnMean = new ModelEncoder(resnet, null).withImageFeatures(ModelEncoder.ImageFeatures.PRE_PROJECTION_PATCH_MEAN);
        assertEquals(resnet.config().embedDim() + resnet.config().vision().resnetOutputWidth(),
                rnMean.encodeImages(Nd4j.randn(DataType.FLOAT, 1, 3, s, s))[0].length);
    }
}
