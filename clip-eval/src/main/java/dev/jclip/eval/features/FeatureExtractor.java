package dev.jclip.eval.features;

import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.eval.ImageTextEncoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs an encoder over many images (through clip-data's image pipeline) or texts in fixed-size batches. */
public final class FeatureExtractor {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureExtractor.class);

    /** Random access to decoded images. */
    @FunctionalInterface
    public interface ImageSource {
        BufferedImage image(int i) throws IOException;
    }

    private final ImageTextEncoder encoder;
    private final ClipImageTransform transform;
    private final int batchSize;

    public FeatureExtractor(ImageTextEncoder encoder, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        this.encoder = encoder;
        this.transform = new ClipImageTransform(encoder.preprocessing());
        this.batchSize = batchSize;
        if (transform.size() != encoder.imageSize()) {
            throw new IllegalArgumentException("preprocessing makes " + transform.size() + "px images, encoder wants " + encoder.imageSize());
        }
    }

    /** Raw image features of {@code count} images, in order. */
    public float[][] images(int count, ImageSource source) throws IOException {
        float[][] out = new float[count][];
        long start = System.nanoTime();
        for (int from = 0; from < count; from += batchSize) {
            int to = Math.min(count, from + batchSize);
            List<BufferedImage> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) batch.add(source.image(i));
            float[][] f;
            try {
                f = encoder.encodeImages(transform.evalBatch(batch));
            } catch (ImageDecodeException e) {
                throw new IOException("images " + from + ".." + (to - 1) + ": " + e.getMessage(), e);
            }
            if (f.length != to - from) throw new IllegalStateException("encoder returned " + f.length + " features for " + (to - from) + " images");
            System.arraycopy(f, 0, out, from, f.length);
            if ((from / batchSize) % 20 == 0) LOG.info("encoded {}/{} images ({} s)", to, count, (System.nanoTime() - start) / 1_000_000_000L);
        }
        return out;
    }

    /** Raw text features, in order. */
    public float[][] texts(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += batchSize) {
            int to = Math.min(texts.size(), from + batchSize);
            float[][] f = encoder.encodeTexts(texts.subList(from, to));
            if (f.length != to - from) throw new IllegalStateException("encoder returned " + f.length + " features for " + (to - from) + " texts");
            System.arraycopy(f, 0, out, from, f.length);
        }
        return out;
    }
}
