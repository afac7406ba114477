package dev.jclip.eval;

import dev.jclip.data.image.ClipImageTransform;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fake encoder with known geometry: an image's feature is its mean RGB colour in 0..1 (CLIP normalisation
 * undone), scaled by 7 so that evaluation code must normalise; a text's feature is the colour of the first
 * colour word in it, scaled by 3. Counts calls so tests can see batching and caching.
 */
public class ColourEncoder implements ImageTextEncoder {
    public static final Map<String, float[]> WORDS = Map.of(
            "red", new float[] {1, 0, 0}, "green", new float[] {0, 1, 0}, "blue", new float[] {0, 0, 1},
            "crimson", new float[] {1, 0.2f, 0}, "teal", new float[] {0, 0.5f, 1}, "yellow", new float[] {1, 1, 0});
    public int imageCalls;
    public int textCalls;
    public final List<Integer> imageBatchSizes = new ArrayList<>();
    private final int size;

    public ColourEncoder(int size) {
        this.size = size;
    }

    @Override
    public int imageSize() {
        return size;
    }

    @Override
    public float[][] encodeImages(INDArray images) {
        imageCalls++;
        int b = (int) images.size(0);
        imageBatchSizes.add(b);
        float[][] out = new float[b][3];
        for (int i = 0; i < b; i++) {
            for (int c = 0; c < 3; c++) {
                double mean = images.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                        .meanNumber().doubleValue();
                double colour = mean * ClipImageTransform.STD[c] + ClipImageTransform.MEAN[c];
                out[i][c] = 7 * (float) (Math.round(colour * 1e3) / 1e3); // rounded so that equal colours tie exactly
            }
        }
        return out;
    }

    @Override
    public float[][] encodeTexts(List<String> texts) {
        textCalls++;
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            float[] v = null;
            for (String w : texts.get(i).toLowerCase().split("[^a-z]+")) {
                if (WORDS.containsKey(w)) {
                    v = WORDS.get(w);
                    break;
                }
            }
            if (v == null) throw new IllegalArgumentException("no colour word in '" + texts.get(i) + "'");
            out[i] = new float[] {3 * v[0], 3 * v[1], 3 * v[2]};
        }
        return out;
    }
}
