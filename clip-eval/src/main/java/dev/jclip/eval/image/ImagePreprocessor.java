package dev.jclip.eval.image;

import java.awt.image.BufferedImage;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Turns decoded images into the model's input: float tensors [B, 3, S, S]. */
public interface ImagePreprocessor {

    /** The side S of the square output. */
    int size();

    /** Writes one image as 3 x S x S floats (channel-major) into {@code dst} starting at {@code offset}. */
    void write(BufferedImage image, float[] dst, int offset);

    /** A batch [B, 3, S, S]. */
    default INDArray batch(List<BufferedImage> images) {
        int s = size();
        int per = 3 * s * s;
        float[] data = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) write(images.get(i), data, i * per);
        return Nd4j.create(data, new long[] {images.size(), 3, s, s});
    }
}
