package dev.jclip.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.eval.zeroshot.ZeroShotSuite;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layouts the paper's datasets come in: ImageNet class folders with a synset map, CIFAR binary batches, IDX. */
class PaperLayoutsTest {
    @TempDir
    Path dir;

    /** Pixel (image i, channel ch, row r, column c) of the generated CIFAR files. */
    static int pixel(int i, int ch, int r, int c) {
        return (i * 37 + ch * 101 + r * 5 + c * 3) % 256;
    }

    /** Writes CIFAR records for the given labels; CIFAR-100 records get coarse label fine/5 first. */
    static byte[] cifar(int[] labels, int firstImage, boolean hundred) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < labels.length; k++) {
            if (hundred) out.write(labels[k] / 5);
            out.write(labels[k]);
            for (int ch = 0; ch < 3; ch++) for (int r = 0; r < 32; r++) for (int c = 0; c < 32; c++) out.write(pixel(firstImage + k, ch, r, c));
        }
        return out.toByteArray();
    }

    @Test
    void cifar10BatchesInOrderWithTheirMetaNames() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("cifar-10-batches-bin"));
        int[][] batchLabels = {{3, 1}, {4}, {1, 5, 9}, {2}, {6, 5}};
        int first = 0;
        for (int b = 0; b < 5; b++) {
            Files.write(folder.resolve("data_batch_" + (b + 1) + ".bin"), cifar(batchLabels[b], first, false));
            first += batchLabels[b].length;
        }
        Files.write(folder.resolve("test_batch.bin"), cifar(new int[] {7, 0}, 100, false));
        LabelledImageDataset train = DatasetSpec.open("cifar10:" + folder + ":train", null);
        assertInstanceOf(CifarDataset.class, train);
        assertEquals(9, train.size());
        assertEquals(List.of(3, 1, 4, 1, 5, 9, 2, 6, 5), Arrays.stream(train.labels()).boxed().toList());
        assertEquals(ClassNames.CIFAR10, train.classNames()); // no batches.meta.txt: the built-in names
        assertEquals(32, train.nativeSize());
        // image 5 is the third record of data_batch_3: its planes are R, G, B
        BufferedImage img = train.image(5);
        int rgb = img.getRGB(7, 2); // x = column 7, y = row 2
        assertEquals(pixel(5, 0, 2, 7), rgb >> 16 & 0xff);
        assertEquals(pixel(5, 1, 2, 7), rgb >> 8 & 0xff);
        assertEquals(pixel(5, 2, 2, 7), rgb & 0xff);
        assertEquals(pixel(8, 2, 31, 31), ((CifarDataset) train).pixels(8)[3071] & 0xff);

        Files.writeString(folder.resolve("batches.meta.txt"), "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        LabelledImageDataset test = DatasetSpec.open("cifar10:" + folder + ":test", null);
        assertEquals(2, test.size());
        assertEquals("horse", test.classNames().get(test.label(0)));
        assertEquals("plane", test.classNames().get(0));
        assertEquals(pixel(100, 1, 0, 0), test.image(0).getRGB(0, 0) >> 8 & 0xff);
        // one batch file alone
        assertEquals(3, DatasetSpec.open("cifar10:" + folder.resolve("data_batch_3.bin"), null).size());
        // a folder needs the split
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open("cifar10:" + folder, null));
        assertTrue(e.getMessage().contains(":train") && e.getMessage().contains(":test"), e.getMessage());
    }

    @Test
    void cifar100UsesTheFineLabel() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("cifar-100-binary"));
        Files.write(folder.resolve("train.bin"), cifar(new int[] {99, 0, 42}, 0, true));
        LabelledImageDataset d = DatasetSpec.open("cifar100:" + folder + ":train", null);
        assertEquals(List.of(99, 0, 42), Arrays.stream(d.labels()).boxed().toList());
        assertEquals(pixel(2, 0, 0, 0), d.image(2).getRGB(0, 0) >> 16 & 0xff);
        assertEquals(ZeroShotSuite.named("cifar100").classNames(), d.classNames()); // no fine_label_names.txt
        assertEquals("worm", d.classNames().get(99));
        StringBuilder names = new StringBuilder();
        for (int c = 0; c < 100; c++) names.append("c").append(c).append('\n');
        Files.writeString(folder.resolve("fine_label_names.txt"), names);
        assertEquals("c42", DatasetSpec.open("cifar100:" + folder + ":train", null).classNames().get(42));
        Files.writeString(folder.resolve("fine_label_names.txt"), "only\n");
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open("cifar100:" + folder + ":train", null));
        assertTrue(e.getMessage().contains("fine_label_names.txt") && e.getMessage().contains("1 names"), e.getMessage());
    }

    @Test
    void corruptCifarFilesNameFileAndRecord() throws IOException {
        byte[] three = cifar(new int[] {1, 2, 3}, 0, false);
        Path cut = Files.write(dir.resolve("cut.bin"), Arrays.copyOf(three, 2 * 3073 + 100));
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open("cifar10:" + cut, null));
        assertTrue(e.getMessage().contains("cut.bin") && e.getMessage().contains("record 2") && e.getMessage().contains("3073-byte"), e.getMessage());
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertThrows(IOException.class, () -> DatasetSpec.open("cifar10:" + empty, null));
        // a CIFAR-100 file read as CIFAR-10: 3074-byte records are not a whole number of 3073-byte ones, and a
        // label byte >= 10 is caught with its record
        byte[] bad = three.clone();
        bad[3073] = 12; // label of record 1
        Path badLabel = Files.write(dir.resolve("bad.bin"), bad);
        e = assertThrows(IOException.class, () -> DatasetSpec.open("cifar10:" + badLabel, null));
        assertTrue(e.getMessage().contains("bad.bin") && e.getMessage().contains("record 1") && e.getMessage().contains("label 12"), e.getMessage());
        e = assertThrows(IOException.class, () -> DatasetSpec.open("cifar10:" + dir.resolve("nowhere") + ":test", null));
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
        Path folder = Files.createDirectory(dir.resolve("partial"));
        Files.write(folder.resolve("data_batch_1.bin"), three);
        e = assertThrows(IOException.class, () -> DatasetSpec.open("cifar10:" + folder + ":train", null));
        assertTrue(e.getMessage().contains("data_batch_2.bin"), e.getMessage());
    }

    @Test
    void imagenetFoldersTakeTheSynsetMapsOrderAndNames() throws IOException {
        Path map = Files.writeString(dir.resolve("LOC_synset_mapping.txt"),
                "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark, white shark\n"
                        + "n01491361\ttiger shark, Galeocerdo cuvieri\n");
        SynsetMap synsets = SynsetMap.read(map);
        assertEquals(List.of("tench", "goldfish", "great white shark", "tiger shark"), synsets.names());
        assertEquals(2, synsets.indexOf("n01484850"));
        assertEquals(-1, synsets.indexOf("n99999999"));
        // only two of the four classes present: labels keep ImageNet's numbering
        Path train = dir.resolve("train");
        DatasetsTest.writePng(train.resolve("n01491361/a.png"), 0x00ff00);
        DatasetsTest.writePng(train.resolve("n01443537/b.png"), 0xff0000);
        DatasetsTest.writePng(train.resolve("n01443537/a.png"), 0x0000ff);
        LabelledImageDataset d = DatasetSpec.open(train.toString(), null, synsets);
        assertEquals(4, d.classNames().size());
        assertEquals("goldfish", d.classNames().get(1));
        assertEquals(List.of(1, 1, 3), Arrays.stream(d.labels()).boxed().toList());
        assertEquals(0x0000ff, d.image(0).getRGB(1, 1) & 0xffffff); // n01443537/a.png
        // names from elsewhere (a suite) must cover the whole map
        assertEquals("tiger", DatasetSpec.open(train.toString(), List.of("a", "b", "c", "tiger"), synsets).classNames().get(3));
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> DatasetSpec.open(train.toString(), List.of("a", "b"), synsets));
        assertTrue(count.getMessage().contains("LOC_synset_mapping.txt") && count.getMessage().contains("4 classes"), count.getMessage());
        // a folder the map does not know
        DatasetsTest.writePng(train.resolve("n02000000/x.png"), 0);
        IOException e = assertThrows(IOException.class, () -> DatasetSpec.open(train.toString(), null, synsets));
        assertTrue(e.getMessage().contains("n02000000") && e.getMessage().contains("LOC_synset_mapping.txt"), e.getMessage());
        // the real map's order and size, with OpenAI's names laid over it, is what `--suite imagenet1k` relies on
        assertEquals(1000, ZeroShotSuite.named("imagenet1k").classNames().size());
    }

    @Test
    void badSynsetMapsNameTheLine() throws IOException {
        Path map = Files.writeString(dir.resolve("map.txt"), "n01440764 tench\n\nfish n01443537\n");
        IOException e = assertThrows(IOException.class, () -> SynsetMap.read(map));
        assertTrue(e.getMessage().contains("map.txt:3") && e.getMessage().contains("'fish'"), e.getMessage());
        Files.writeString(map, "n01440764\nn01443537\nn01440764 again\n");
        e = assertThrows(IOException.class, () -> SynsetMap.read(map));
        assertTrue(e.getMessage().contains("map.txt:3") && e.getMessage().contains("line 1"), e.getMessage());
        assertEquals(List.of("n01440764", "n01443537"), SynsetMap.read(Files.writeString(map, "n01440764\nn01443537\n")).names());
        Files.writeString(map, "\n");
        assertThrows(IOException.class, () -> SynsetMap.read(map));
        Path file = Files.writeString(dir.resolve("f.csv"), "image,label\n");
        assertThrows(IOException.class, () -> DatasetSpec.open(file.toString(), null, SynsetMap.read(Files.writeString(map, "n01440764\n"))));
    }

    /** A header that claims more images than the file holds fails before the pixels are allocated, naming the file. */
    @Test
    void idxHeadersAreCheckedAgainstTheData() throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            String ext = gzip ? ".gz" : "";
            Path images = dir.resolve("huge" + gzip + "-images-idx3-ubyte" + ext);
            try (DataOutputStream out = new DataOutputStream(stream(images, gzip))) {
                out.writeInt(0x803);
                out.writeInt(1_000_000); // a million images of 1000x1 = 1 GB claimed ...
                out.writeInt(1000);
                out.writeInt(1);
                out.write(new byte[3000]); // ... 3 images present
            }
            try (DataOutputStream out = new DataOutputStream(stream(dir.resolve("huge" + gzip + "-labels-idx1-ubyte" + ext), gzip))) {
                out.writeInt(0x801);
                out.writeInt(3);
                out.write(new byte[3]);
            }
            IOException e = assertThrows(IOException.class, () -> DatasetSpec.open("idx:" + dir.resolve("huge" + gzip), null));
            assertTrue(e.getMessage().contains("huge" + gzip + "-images") && e.getMessage().contains("truncated")
                    && e.getMessage().contains("1000000 images"), e.getMessage());
        }
    }

    private static OutputStream stream(Path p, boolean gzip) throws IOException {
        OutputStream o = Files.newOutputStream(p);
        return gzip ? new GZIPOutputStream(o) : o;
    }
}
