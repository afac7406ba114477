package dev.jclip.eval.data;

import dev.jclip.data.image.ImageSizeGuard;
import dev.jclip.data.image.ImageTooLargeException;
import dev.jclip.data.shards.ShardWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import javax.imageio.ImageIO;

/** Decoding image files and fingerprinting lists of them. */
final class ImageFiles {
    private ImageFiles() {
    }

    static BufferedImage read(Path p) throws IOException {
        BufferedImage img;
        try {
            byte[] bytes = ShardWriter.readRecord(p); // bounded, and the header's size checked before decoding
            ImageSizeGuard.checkHeader(bytes);
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (ImageTooLargeException e) {
            throw new IOException(p + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(p + ": cannot decode image: " + e.getMessage(), e);
        }
        if (img == null) throw new IOException(p + ": not a readable image (no ImageIO decoder)");
        return img;
    }

    /** SHA-256 over every file's path, size and modification time: changes when any file does. */
    static String listingHash(List<Path> files) throws IOException {
        MessageDigest md = sha256();
        for (Path p : files) {
            md.update((p.toAbsolutePath() + "\t" + Files.size(p) + "\t" + Files.getLastModifiedTime(p).toMillis() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
