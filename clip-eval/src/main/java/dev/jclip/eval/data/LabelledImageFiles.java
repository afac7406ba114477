package dev.jclip.eval.data;

import dev.jclip.data.image.ImageDecoder;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Labelled image files on disk, however they were listed: an image folder ({@link ImageFolderDataset}) or a
 * manifest ({@link CsvImageDataset}). Images are read through clip-data's one image pipeline.
 */
final class LabelledImageFiles extends LabelledImageList {
    private final String kind;
    private final Path source;
    private final List<Path> listings;
    private final List<Path> files;

    /**
     * @param kind     the fingerprint's prefix ("folder", "csv")
     * @param source   the folder or manifest the files were listed from (the dataset's name)
     * @param listings files besides the images whose content defines the dataset (a manifest), for the fingerprint
     */
    LabelledImageFiles(String kind, Path source, List<Path> listings, List<Path> files, int[] labels, List<String> classNames) {
        super(labels, classNames);
        this.kind = kind;
        this.source = source;
        this.listings = List.copyOf(listings);
        this.files = List.copyOf(files);
    }

    @Override
    public String name() {
        return source.toString();
    }

    @Override
    public BufferedImage image(int i) throws IOException {
        return ImageDecoder.readFile(files.get(i));
    }

    @Override
    public String fingerprint() throws IOException {
        String listed = listings.isEmpty() ? "" : FileListing.listingHash(listings) + ":";
        return kind + ":" + source.toAbsolutePath() + ":" + listed + FileListing.listingHash(files) + ":" + classNames();
    }
}
