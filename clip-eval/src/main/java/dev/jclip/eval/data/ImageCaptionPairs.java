package dev.jclip.eval.data;

import dev.jclip.data.table.DelimitedTable;
import dev.jclip.data.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
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
        DelimitedTable table = DelimitedTable.read(manifest);
        int imageCol = table.column("image", "image", "path", "filepath", "file");
        int captionCol = table.column("caption", "caption", "text", "title");
        Map<Path, Integer> index = new LinkedHashMap<>();
        List<Integer> owner = new ArrayList<>();
        Path base = manifest.toAbsolutePath().getParent();
        for (DelimitedTable.Row r : table.rows()) {
            String path = r.text(imageCol);
            String caption = r.text(captionCol);
            if (path.isEmpty()) throw new IOException(manifest + ":" + r.line() + ": empty image path");
            if (caption.isEmpty()) throw new IOException(manifest + ":" + r.line() + ": empty caption");
            Path p = base.resolve(path).normalize();
            Integer i = index.get(p);
            if (i == null) {
                if (!Files.isRegularFile(p)) throw new IOException(manifest + ":" + r.line() + ": image " + p + " does not exist");
                i = images.size();
                index.put(p, i);
                images.add(p);
            }
            owner.add(i);
            captions.add(caption);
        }
        if (captions.isEmpty()) throw new IOException(manifest + ": no data rows");
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
