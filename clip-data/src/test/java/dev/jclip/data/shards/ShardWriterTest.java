package dev.jclip.data.shards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesShardsSizesJsonAndReadsBackGroupedByKey() throws Exception {
        try (ShardWriter w = new ShardWriter(dir, "shard", 3)) {
            for (int i = 0; i < 7; i++) {
                byte[] img = {(byte) i, 1, 2};
                w.write(String.format("%09d", i), i % 2 == 0 ? "jpg" : "png", img, "caption " + i,
                        i == 4 ? "{\"caption\":\"c4\"}".getBytes(StandardCharsets.UTF_8) : null);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("shard-00000.tar", "shard-00001.tar", "shard-00002.tar", "sizes.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
        assertEquals(Map.of("shard-00000.tar", 3, "shard-00001.tar", 3, "shard-00002.tar", 1), ShardSizes.read(dir));
        assertEquals(7L, ShardSizes.total(ShardSpec.expand(dir + "/shard-{00000..00002}.tar")));
        assertNull(ShardSizes.total(List.of(dir + "/other.tar")));

        List<TarSample> all = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            String name = dir + "/shard-0000" + s + ".tar";
            try (InputStream in = Files.newInputStream(Path.of(name)); TarSampleReader r = new TarSampleReader(name, in)) {
                for (TarSample t = r.next(); t != null; t = r.next()) all.add(t);
            }
        }
        assertEquals(7, all.size());
        TarSample four = all.get(4);
        assertEquals("000000004", four.key());
        assertEquals(List.of("jpg", "txt", "json"), List.copyOf(four.members().keySet()));
        assertArrayEquals(new byte[] {4, 1, 2}, four.members().get("jpg"));
        assertEquals("caption 4", new String(four.members().get("txt"), StandardCharsets.UTF_8));
        assertEquals(List.of("png", "txt"), List.copyOf(all.get(5).members().keySet()));
    }

    @Test
    void keysWithDirectoriesAndSeveralDotsGroupLikeWebDataset() throws Exception {
        Path tar = dir.resolve("t.tar");
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(tar))) {
            for (String name : new String[] {"d1/a.b.jpg", "d1/a.txt", "d2/a.jpg", "d2/a.TXT", "noext", "d2/.hidden", "x.jpg"}) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
                e.setSize(1);
                out.putArchiveEntry(e);
                out.write('z');
                out.closeArchiveEntry();
            }
        }
        List<TarSample> got = new ArrayList<>();
        try (TarSampleReader r = new TarSampleReader("t.tar", Files.newInputStream(tar))) {
            for (TarSample t = r.next(); t != null; t = r.next()) got.add(t);
        }
        assertEquals(List.of("d1/a", "d2/a", "x"), got.stream().map(TarSample::key).toList());
        assertEquals(List.of("b.jpg", "txt"), List.copyOf(got.get(0).members().keySet()));
        assertEquals(List.of("jpg", "txt"), List.copyOf(got.get(1).members().keySet()), "extensions lower-cased");
    }

    @Test
    void rejectsKeysThatWouldNotRoundTrip() throws Exception {
        try (ShardWriter w = new ShardWriter(dir, "s", 2)) {
            assertThrows(IllegalArgumentException.class, () -> w.write("a.b", "jpg", new byte[1], "c", null));
            assertThrows(IllegalArgumentException.class, () -> w.write("a", "gif", new byte[1], "c", null));
        }
        assertEquals(Map.of(), ShardSizes.read(dir));
    }
}
