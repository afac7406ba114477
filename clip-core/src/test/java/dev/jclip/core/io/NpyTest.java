package dev.jclip.core.io;

import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class NpyTest {
    @Test
    void fortranOrderedFileIsTheTransposeOfItsPartner() throws Exception {
        Path dir = Fixtures.fixture("vit-tiny");
        INDArray perImage = Npy.read(dir.resolve("logits_per_image.npy")); // C order
        INDArray perText = Npy.read(dir.resolve("logits_per_text.npy"));   // Fortran order
        assertEquals(perImage.transpose().dup('c'), perText);
    }

    @Test
    void roundTripsEveryWrittenType(@TempDir Path tmp) throws Exception {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE, DataType.INT, DataType.LONG}) {
            INDArray a = Nd4j.linspace(1, 24, 24, DataType.DOUBLE).reshape(2, 3, 4).castTo(t);
            Path f = tmp.resolve(t + ".npy");
            Npy.write(a, f);
            INDArray back = Npy.read(f);
            assertEquals(t, back.dataType());
            assertEquals(a, back);
        }
    }

    @Test
    void dataStartsOnTheBoundaryNumPyRequires(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("a.npy");
        Npy.write(Nd4j.createFromArray(new float[][]{{1.5f, -2f, 3.25f}, {0f, Float.MIN_VALUE, 1e30f}}), f);
        byte[] bytes = Files.readAllBytes(f);
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64, "data starts on a 64-byte boundary");
        assertEquals(10 + headerLen + 4 * 6, bytes.length);
        assertEquals(1e30f, Npy.read(f).getFloat(1, 2));
        Files.write(tmp.resolve("bad.npy"), new byte[]{1, 2, 3});
        Exception e = assertThrows(java.io.IOException.class, () -> Npy.read(tmp.resolve("bad.npy")));
        assertTrue(e.getMessage().contains("bad.npy"), e.getMessage());
    }

    @Test
    void truncatedFileNamesTheFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("x.npy");
        Npy.write(Nd4j.ones(DataType.FLOAT, 10, 10), f);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 9));
        Exception e = assertThrows(java.io.IOException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("x.npy") && e.getMessage().contains("truncated"), e.getMessage());
    }
}
