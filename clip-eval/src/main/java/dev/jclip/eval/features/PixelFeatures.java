package dev.jclip.eval.features;

import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.IdxDataset;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.data.image.PreprocessConfig;
import java.io.IOException;

/**
 * The raw-pixel baseline's features: each image resized and centre-cropped to S x S (no resampling when it
 * already is) by clip-data's image pipeline, values scaled to 0..1, one channel for greyscale datasets and three
 * otherwise.
 */
public final class PixelFeatures {
    private PixelFeatures() {
    }

    /** The side used when none is asked for: the dataset's own size when it has one, else 32. */
    public static int defaultSize(LabelledImageDataset d) {
        return d.nativeSize() > 0 ? d.nativeSize() : 32;
    }

    public static float[][] extract(LabelledImageDataset d, int size, AlphaBackground background) throws IOException {
        int n = d.size();
        boolean grey = d.greyscale();
        int plane = size * size;
        float[][] out = new float[n][grey ? plane : 3 * plane];
        IdxDataset idx = d instanceof IdxDataset x ? x : d instanceof DatasetView v && v.base() instanceof IdxDataset x ? x : null;
        if (idx != null && idx.nativeSize() == size) { // raw bytes: no decoding or resampling
            for (int i = 0; i < n; i++) {
                byte[] p = idx.pixels(d instanceof DatasetView v ? v.baseIndex(i) : i);
                for (int j = 0; j < plane; j++) out[i][j] = (p[j] & 0xff) / 255f;
            }
            return out;
        }
        // mean 0 and std 1: the pipeline's normalisation is then just the scaling to [0, 1]
        ClipImageTransform unit = new ClipImageTransform(new PreprocessConfig(size, new float[] {0, 0, 0}, new float[] {1, 1, 1}, background));
        float[] buf = new float[3 * plane];
        for (int i = 0; i < n; i++) {
            try {
                unit.evalInto(unit.rgb(d.image(i)), buf, 0);
            } catch (ImageDecodeException e) {
                throw new IOException(d.name() + " image " + i + ": " + e.getMessage(), e);
            }
            System.arraycopy(buf, 0, out[i], 0, out[i].length); // greyscale: the first (red) channel equals the others
        }
        return out;
    }
}
