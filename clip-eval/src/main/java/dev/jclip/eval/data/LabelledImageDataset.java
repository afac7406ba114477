package dev.jclip.eval.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;

/** A finite, indexable set of images with one class label each. */
public interface LabelledImageDataset {

    /** Short description for reports, e.g. the spec it was opened from. */
    String name();

    /** Class names, indexed by label. */
    List<String> classNames();

    int size();

    /** The label of sample {@code i}, in 0..classNames().size()-1. */
    int label(int i);

    /** Decodes sample {@code i}. Greyscale sources return {@link BufferedImage#TYPE_BYTE_GRAY} images. */
    BufferedImage image(int i) throws IOException;

    /** Whether every image is greyscale (the raw-pixel baseline then uses one channel instead of three). */
    default boolean greyscale() {
        return false;
    }

    /** The common side length when every image is the same square size, else 0. */
    default int nativeSize() {
        return 0;
    }

    /** Identifies the content (names, sizes, modification times): part of the feature-cache key. */
    String fingerprint() throws IOException;

    /** All labels. */
    default int[] labels() {
        int[] y = new int[size()];
        for (int i = 0; i < y.length; i++) y[i] = label(i);
        return y;
    }
}
