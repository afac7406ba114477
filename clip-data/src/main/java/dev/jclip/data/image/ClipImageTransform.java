package dev.jclip.data.image;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CLIP's image preprocessing (open_clip's {@code image_transform}), writing a normalised float CHW image: the
 * one pipeline from bytes to tensor that training, evaluation, {@code encode}, the demo and the benchmarks use,
 * configured by a {@link PreprocessConfig}. Bytes become an {@link RgbImage} through {@link ImageDecoder}
 * (decode, orientation, transparency over the configured background); then:
 *
 * <ul>
 *   <li>Evaluation: resize so the shorter side equals {@code size} (longer side {@code int(size * long / short)},
 *       as torchvision computes it) with {@link BicubicResampler}, centre crop {@code size x size} (offsets
 *       {@code round((h - size) / 2)} with Python's round-half-even), scale to [0,1], normalise.</li>
 *   <li>Training: torchvision's {@code RandomResizedCrop(size, scale=(0.9, 1.0), ratio=(3/4, 4/3))}: pick a box
 *       (see {@link #randomResizedCrop}), crop it, resize it to {@code size x size} bicubically, normalise.</li>
 * </ul>
 * Normalisation is done in float32 exactly as torch does it: {@code (v / 255f - mean) / std}, via a lookup
 * table. Immutable and thread-safe.
 */
public final class ClipImageTransform {
    /** OpenAI CLIP's per-channel mean (RGB). */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** OpenAI CLIP's per-channel standard deviation (RGB). */
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /** open_clip's RandomResizedCrop area range. */
    public static final double[] TRAIN_SCALE = {0.9, 1.0};
    /** torchvision's default aspect-ratio range. */
    public static final double[] TRAIN_RATIO = {3.0 / 4.0, 4.0 / 3.0};

    private final PreprocessConfig config;
    private final AugmentationConfig augmentation;
    private final int size;
    private final float[][] lut = new float[3][256];

    /** With open_clip's default training augmentation ({@link AugmentationConfig#DEFAULT}). */
    public ClipImageTransform(PreprocessConfig config) {
        this(config, AugmentationConfig.DEFAULT);
    }

    /** {@code augmentation} applies to {@link #trainInto} only; evaluation never augments. */
    public ClipImageTransform(PreprocessConfig config, AugmentationConfig augmentation) {
        this.config = config;
        this.augmentation = java.util.Objects.requireNonNull(augmentation, "augmentation");
        this.size = config.imageSize();
        float[] mean = config.mean();
        float[] std = config.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) lut[c][v] = ((float) v / 255f - mean[c]) / std[c];
        }
    }

    public PreprocessConfig config() {
        return config;
    }

    public int size() {
        return size;
    }

    /** Decodes image bytes to RGB with this pipeline's alpha background. */
    public RgbImage decode(byte[] bytes) throws ImageDecodeException {
        return ImageDecoder.decode(bytes, config.alphaBackground());
    }

    /** An already decoded image (e.g. from an evaluation dataset) as RGB with this pipeline's alpha background. */
    public RgbImage rgb(BufferedImage image) throws ImageDecodeException {
        return ImageDecoder.toRgb(image, config.alphaBackground());
    }

    /** Floats one image occupies: 3 * size * size. */
    public int floatsPerImage() {
        return 3 * size * size;
    }

    /** Evaluation transform of {@code img} into {@code dst[offset .. offset + 3*size*size)}, channel-major. */
    public void evalInto(RgbImage img, float[] dst, int offset) {
        int[] wh = resizedShorterSide(img.width(), img.height(), size);
        int left = centerOffset(wh[0], size);
        int top = centerOffset(wh[1], size);
        // Resizing fully and cropping afterwards gives the same pixels; compute only the crop window.
        RgbImage out = BicubicResampler.resample(img, 0, 0, img.width(), img.height(), wh[0], wh[1], left, top, size, size);
        normalizeInto(out, dst, offset);
    }

    /** The evaluation transform of decoded images (alpha still in them) as one batch {@code [B, 3, S, S]}. */
    public INDArray evalBatch(List<BufferedImage> images) throws ImageDecodeException {
        int per = floatsPerImage();
        float[] data = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) evalInto(rgb(images.get(i)), data, i * per);
        return Nd4j.create(data, new long[] {images.size(), 3, size, size}, 'c');
    }

    /**
     * Training transform: a random resized crop drawn from {@code rng} (the augmentation's scale and ratio), the
     * augmentation's colour jitter and grey conversion, then normalisation.
     */
    public void trainInto(RgbImage img, RandomGenerator rng, float[] dst, int offset) {
        CropBox b = randomResizedCrop(img.width(), img.height(), augmentation.scale(), augmentation.ratio(), rng);
        RgbImage out = BicubicResampler.resample(img, b.x(), b.y(), b.w(), b.h(), size, size, 0, 0, size, size);
        normalizeInto(augmentation.afterCrop(out, rng), dst, offset);
    }

    public AugmentationConfig augmentation() {
        return augmentation;
    }

    /** Writes {@code img} (size x size) as normalised floats, R plane then G then B. */
    public void normalizeInto(RgbImage img, float[] dst, int offset) {
        if (img.width() != size || img.height() != size) {
            throw new IllegalArgumentException("expected " + size + "x" + size + ", got " + img.width() + "x" + img.height());
        }
        byte[] p = img.rgb();
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            float[] t = lut[c];
            int o = offset + c * plane;
            for (int i = 0, s = c; i < plane; i++, s += 3) dst[o + i] = t[p[s] & 0xff];
        }
    }

    /** torchvision's Resize(int) output size: shorter side to {@code size}, longer side truncated. */
    public static int[] resizedShorterSide(int w, int h, int size) {
        if (w <= h) return new int[] {size, (int) ((long) size * h / w)};
        return new int[] {(int) ((long) size * w / h), size};
    }

    /** torchvision's CenterCrop offset: {@code int(round((n - crop) / 2.0))} with round-half-even. */
    public static int centerOffset(int n, int crop) {
        return (int) Math.rint((n - crop) / 2.0);
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: up to 10 tries of an area fraction uniform in
     * {@code scale} and a log-uniform aspect ratio in {@code ratio}, rounded (half-even) to integers and accepted
     * when it fits; otherwise the largest centred box with the ratio clamped into range.
     */
    public static CropBox randomResizedCrop(int width, int height, double[] scale, double[] ratio, RandomGenerator rng) {
        double area = (double) width * height;
        double logLo = Math.log(ratio[0]);
        double logHi = Math.log(ratio[1]);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * (scale[0] + (scale[1] - scale[0]) * rng.nextDouble());
            double aspect = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(left, top, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratio[0]) {
            w = width;
            h = (int) Math.rint(w / ratio[0]);
        } else if (inRatio > ratio[1]) {
            h = height;
            w = (int) Math.rint(h * ratio[1]);
        } else {
            w = width;
            h = height;
        }
        return new CropBox((width - w) / 2, (height - h) / 2, w, h);
    }
}
