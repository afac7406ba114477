package dev.jclip.data.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encodes {@link RgbImage}s as PNG or JPEG with the JDK's ImageIO (for shard writing, tests and benchmarks). */
public final class ImageEncoder {
    private ImageEncoder() {
    }

    /** The image as a {@link BufferedImage} of type 3BYTE_BGR. */
    public static BufferedImage toBufferedImage(RgbImage img) {
        BufferedImage bi = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
        byte[] src = img.rgb();
        for (int i = 0; i < src.length; i += 3) {
            dst[i] = src[i + 2];
            dst[i + 1] = src[i + 1];
            dst[i + 2] = src[i];
        }
        return bi;
    }

    /** Lossless PNG bytes. */
    public static byte[] png(RgbImage img) {
        return write(toBufferedImage(img), "png", -1);
    }

    /** JPEG bytes at {@code quality} in (0, 1]. */
    public static byte[] jpeg(RgbImage img, float quality) {
        return write(toBufferedImage(img), "jpeg", quality);
    }

    /** Encodes any BufferedImage in {@code format} ("png", "jpeg", "bmp", "gif"); quality only for JPEG. */
    public static byte[] write(BufferedImage img, String format, float quality) {
        ImageWriter w = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            w.setOutput(out);
            ImageWriteParam p = w.getDefaultWriteParam();
            if (quality > 0 && p.canWriteCompressed()) {
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(quality);
            }
            w.write(null, new IIOImage(img, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + format, e);
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }
}
