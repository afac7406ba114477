package dev.jclip.eval.data;

import dev.jclip.data.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Retrieval data from a CSV/TSV of (image, caption) rows: a header with an image column ({@code image},
 * {@code path}, {@code filepath} or {@code file}) and a caption column ({@code caption}, {@code text} or
 * {@code title}). Rows naming the same image file give that image several captions. Images are numbered in
 * order of first appearance, captions in row order.
 */
public final class ImageCaptionPairs {
    private final Path manifest;
    private final List<Path> images = new ArrayList<>();
    private final List<String> captions = new ArrayList<>();
    private final int[] captionToImage;

    public ImageCaptionPairs(Path manifest) throws IOException {
        this.manifest = manifest;
        Map<Path, Integer> index = new LinkedHashMap<>();
        List<Integer> owner = new ArrayList<>();
        for (ManifestRow r : ManifestRow.read(manifest, "caption", "caption", "text", "title")) {
            Integer i = index.get(r.image());
            if (i == null) {
                i = images.size();
                index.put(r.image(), i);
                images.add(r.image());
            }
            owner.add(i);
            captions.add(r.text());
        }
        captionToImage = owner.stream().mapToInt(Integer::intValue).toArray();
    }

    public String name() {
        return manifest.toString();
    }

    public int imageCount() {
        return images.size();
    }

    public BufferedImage image(int i) throws IOException {
        return ImageDecoder.readFile(images.get(i));
    }

    public List<String> captions() {
        return captions;
    }

    /** For each caption, the index of its image. */
    public int[] captionToImage() {
        return captionToImage.clone();
    }

    /** Identifies the manifest and image files for the feature cache. */
    public String fingerprint() throws IOException {
        return "pairs:" + manifest.toAbsolutePath() + ":" + FileListing.listingHash(List.of(manifest)) + ":" + FileListing.listingHash(images);
    }
}
