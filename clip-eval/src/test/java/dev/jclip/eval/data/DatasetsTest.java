package dev.jclip.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    /** Writes a tiny IDX pair: n images of rows x cols with pixel (i, r, c) = (i*31 + r*7 + c) % 256. */
    static void writeIdx(Path dir, String prefix, int n, int rows, int cols, int[] labels, boolean gzip) throws IOException {
        String ext = gzip ? ".gz" : "";
        try (DataOutputStream out = new DataOutputStream(stream(dir.resolve(prefix + "-images-idx3-ubyte" + ext), gzip))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(rows);
            out.writeInt(cols);
            for (int i = 0; i < n; i++) for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) out.write((i * 31 + r * 7 + c) % 256);
        }
        try (DataOutputStream out = new DataOutputStream(stream(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), gzip))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int l : labels) out.write(l);
        }
    }

    private static OutputStream stream(Path p, boolean gzip) throws IOException {
        OutputStream o = Files.newOutputStream(p);
        return gzip ? new GZIPOutputStream(o) : o;
    }

    @Test
    void readsIdxPlainAndGzipped() throws IOException {
        int[] labels = {3, 1, 4, 1, 5};
        writeIdx(dir, "train", 5, 3, 3, labels, false);
        writeIdx(dir, "t10k", 5, 3, 3, labels, true);
        for (String spec : List.of("idx:" + dir.resolve("train"), "idx:" + dir.resolve("t10k"), dir.resolve("t10k-images-idx3-ubyte.gz").toString())) {
            LabelledImageDataset d = DatasetSpec.open(spec, null);
            assertInstanceOf(IdxDataset.class, d);
            assertEquals(5, d.size());
            assertEquals(4, d.label(2));
            assertEquals(ClassNames.DIGITS, d.classNames());
            assertTrue(d.greyscale());
            assertEquals(3, d.nativeSize());
            BufferedImage img = d.image(2);
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType());
            assertEquals((2 * 31 + 1 * 7 + 2) % 256, img.getRaster().getSample(2, 1, 0));
            assertEquals((2 * 31 + 1 * 7 + 2) % 256, ((IdxDataset) d).pixels(2)[1 * 3 + 2] & 0xff);
        }
        // Two IDX sets in one folder: ambiguous.
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open(dir.toString(), null));
        assertTrue(e.getMessage().contains("idx:"), e.getMessage());
    }

    @Test
    void fashionNamesFromPathAndErrors() throws IOException {
        Path f = Files.createDirectory(dir.resolve("fashion-mnist"));
        writeIdx(f, "t10k", 2, 2, 2, new int[] {9, 0}, false);
        LabelledImageDataset d = DatasetSpec.open(f.toString(), null); // the only IDX set in the folder
        assertEquals("Ankle boot", d.classNames().get(d.label(0)));
        writeIdx(dir, "bad", 2, 2, 2, new int[] {12, 0}, false);
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open("idx:" + dir.resolve("bad"), null));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
        Files.write(dir.resolve("trunc-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 2, 1});
        Files.copy(dir.resolve("bad-labels-idx1-ubyte"), dir.resolve("trunc-labels-idx1-ubyte"));
        e = assertThrows(IOException.class, () -> DatasetSpec.open("idx:" + dir.resolve("trunc"), null));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("trunc-images"), e.getMessage());
        e = assertThrows(IOException.class, () -> DatasetSpec.open("idx:" + dir.resolve("missing"), null));
        assertTrue(e.getMessage().contains("missing-images-idx3-ubyte"), e.getMessage());
    }

    static void writePng(Path p, int rgb) throws IOException {
        Files.createDirectories(p.getParent());
        BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, rgb);
        ImageIO.write(img, "png", p.toFile());
    }

    @Test
    void imageFolderWithAndWithoutClassNameFile() throws IOException {
        Path root = dir.resolve("folder");
        writePng(root.resolve("dog/b.png"), 0x00ff00);
        writePng(root.resolve("dog/a.png"), 0xff0000);
        writePng(root.resolve("cat/x.png"), 0x0000ff);
        Files.writeString(root.resolve("cat/notes.txt"), "ignored");
        LabelledImageDataset d = DatasetSpec.open(root.toString(), null);
        assertTrue(d.fingerprint().startsWith("folder:"), d.fingerprint());   // opened as an image folder
        assertEquals(List.of("cat", "dog"), d.classNames());
        assertEquals(3, d.size());
        assertEquals(0, d.label(0));
        assertEquals(1, d.label(1));
        assertEquals(0xff0000, d.image(1).getRGB(1, 1) & 0xffffff); // dog/a.png sorts before dog/b.png
        Path names = dir.resolve("names.txt");
        Files.writeString(names, "# display names\na cat\n\na dog\n");
        assertEquals(List.of("a cat", "a dog"), DatasetSpec.open(root.toString(), ClassNames.read(names)).classNames());
        Files.writeString(names, "one\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.open(root.toString(), ClassNames.read(names)));
        assertTrue(e.getMessage().contains("1 class names") && e.getMessage().contains("2 classes"), e.getMessage());
        Files.writeString(names, "x\nx\n");
        IOException dup = assertThrows(IOException.class, () -> ClassNames.read(names));
        assertTrue(dup.getMessage().contains(":2:"), dup.getMessage());
    }

    @Test
    void csvManifestAndCaptionPairs() throws IOException {
        writePng(dir.resolve("img/1.png"), 1);
        writePng(dir.resolve("img/2.png"), 2);
        Path csv = dir.resolve("m.csv");
        Files.writeString(csv, "path,label\nimg/1.png,10\nimg/2.png,9\n\"img/1.png\",10\n");
        LabelledImageDataset d = DatasetSpec.open(csv.toString(), null);
        assertEquals(List.of("9", "10"), d.classNames()); // numeric sort
        assertEquals(1, d.label(0));
        assertEquals(0, d.label(1));
        Files.writeString(csv, "path,label\nimg/1.png,10\nimg/3.png,9\n");
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open(csv.toString(), null));
        assertTrue(e.getMessage().contains("m.csv:3") && e.getMessage().contains("3.png"), e.getMessage());
        Files.writeString(csv, "file,name\nimg/1.png,10\n");
        IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.open(csv.toString(), null));
        assertTrue(noColumn.getMessage().contains("m.csv") && noColumn.getMessage().contains("label column"), noColumn.getMessage());

        Path pairs = dir.resolve("pairs.csv");
        Files.writeString(pairs, "image,caption\nimg/2.png,\"a photo, with a comma\"\nimg/1.png,\"say \"\"hi\"\"\"\r\nimg/2.png,\"two\nlines\"\n");
        ImageCaptionPairs p = new ImageCaptionPairs(pairs);
        assertEquals(2, p.imageCount());
        assertEquals(List.of("a photo, with a comma", "say \"hi\"", "two\nlines"), p.captions());
        assertEquals(List.of(0, 1, 0), java.util.Arrays.stream(p.captionToImage()).boxed().toList());
        Path tsv = dir.resolve("pairs.tsv");
        Files.writeString(tsv, "image\ttext\nimg/1.png\tfirst\nimg/1.png\n");
        e = assertThrows(IOException.class, () -> new ImageCaptionPairs(tsv));
        assertTrue(e.getMessage().contains("pairs.tsv:3") && e.getMessage().contains("1 fields"), e.getMessage());
    }
}
