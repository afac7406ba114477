package dev.jclip.cli.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.CliRun;
import dev.jclip.cli.Main;
import dev.jclip.cli.commands.TokenizeCommand;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.io.Limits;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;
import dev.jclip.core.testing.Fixtures;
import dev.jclip.core.testing.HostileFiles;
import dev.jclip.data.shards.TarSample;
import dev.jclip.data.shards.TarSampleReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The command-line side of issue 20: make-shards over hostile files, tokenize with a huge line, convert, errors. */
class HostileCliTest {
    @TempDir
    Path dir;

    @Test
    void makeShardsOverAFolderOfHostileFilesWritesEveryGoodImageAndNamesEachBadOne() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("images"));
        Map<Path, byte[]> good = new java.util.TreeMap<>(); // manifest (file name) order
        for (int i = 0; i < 3; i++) good.put(HostileFiles.write(folder.resolve("good" + i + ".png"), HostileFiles.png(30 + i, 20)), null);
        good.put(HostileFiles.write(folder.resolve("good.jpg"), HostileFiles.jpeg(24, 24)), null);
        good.replaceAll((p, b) -> read(p));
        byte[] noise = new byte[150_000];
        new Random(7).nextBytes(noise);
        List<Path> bad = List.of(
                HostileFiles.write(folder.resolve("huge-header.png"), HostileFiles.pngDeclaring(20000, 20000)),
                HostileFiles.write(folder.resolve("huge-header.jpg"), HostileFiles.jpegDeclaring(20000, 20000)),
                HostileFiles.write(folder.resolve("tall.png"), HostileFiles.png(1, 100_000)),
                HostileFiles.write(folder.resolve("corrupt.png"), Arrays.copyOf(noise, 2000)),
                HostileFiles.write(folder.resolve("empty.png"), new byte[0]),
                HostileFiles.write(folder.resolve("over-record-limit.png"), noise),
                Files.createDirectory(folder.resolve("a-directory.png")));
        StringBuilder tsv = new StringBuilder("filepath\ttitle\n");
        try (Stream<Path> files = Files.list(folder)) {
            files.sorted().forEach(p -> tsv.append(p.getFileName()).append("\tcaption of ").append(p.getFileName()).append('\n'));
        }
        Path csv = Files.writeString(folder.resolve("pairs.tsv"), tsv);
        Path out = dir.resolve("shards");
        System.setProperty(Limits.RECORD_BYTES.property(), "100k");
        CliRun r;
        try {
            r = CliRun.clip("data", "make-shards", "--csv", csv.toString(), "--output", out.toString(), "--verify", "--samples-per-shard", "2");
        } finally {
            System.clearProperty(Limits.RECORD_BYTES.property());
        }
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(r.out());
        assertEquals(good.size(), summary.get("samples").asInt(), r.out());
        for (Path b : bad) assertTrue(r.err().contains("skipped " + b), b + " not named in:\n" + r.err());
        JsonNode skipped = summary.get("skipped");
        assertEquals(4, skipped.get("image_too_large").asInt(), r.out()); // two headers, the aspect ratio, the record limit
        assertEquals(2, skipped.get("corrupt_image").asInt(), r.out()); // noise and the empty file
        assertEquals(1, skipped.get("shard_unreadable").asInt(), r.out()); // the directory, named with the operation
        assertTrue(r.err().contains("reading it"), r.err());

        List<byte[]> written = new ArrayList<>();
        try (Stream<Path> shards = Files.list(out)) {
            for (Path s : shards.filter(p -> p.toString().endsWith(".tar")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(s); TarSampleReader t = new TarSampleReader(s.toString(), in)) {
                    for (TarSample x = t.next(); x != null; x = t.next()) {
                        written.add(x.members().getOrDefault("png", x.members().get("jpg")));
                    }
                }
            }
        }
        assertEquals(good.size(), written.size());
        int i = 0;
        for (byte[] g : good.values()) assertTrue(Arrays.equals(g, written.get(i++)), "good image " + i + " written unchanged");
    }

    @Test
    void tokenizeKeepsTheAnswersGivenWhenALineIsHuge() throws Exception {
        String huge = "{\"text\": \"" + "a".repeat(3 << 20) + "\"}";
        byte[] first = "{\"text\": \"a photo of a cat\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] rest = (huge + "\n{\"text\": \"a dog\"}\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int[] answersBeforeHugeLine = {-1};
        InputStream in = new InputStream() { // notes what was already answered when the huge line starts arriving
            private int pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= first.length + rest.length) return -1;
                if (pos < first.length) {
                    int n = Math.min(len, first.length - pos);
                    System.arraycopy(first, pos, b, off, n);
                    pos += n;
                    return n;
                }
                if (answersBeforeHugeLine[0] < 0) answersBeforeHugeLine[0] = out.toString(StandardCharsets.UTF_8).split("\n").length;
                int n = Math.min(len, first.length + rest.length - pos);
                System.arraycopy(rest, pos - first.length, b, off, n);
                pos += n;
                return n;
            }
        };
        int rc = dev.jclip.cli.Main.invoke(new TokenizeCommand(in, out, new PrintStream(err, true, StandardCharsets.UTF_8)),
                List.of("--vocab", dev.jclip.cli.testing.OpenAiVocabFile.path(), "--context-length", "8"));
        assertEquals(1, rc);
        assertEquals(1, answersBeforeHugeLine[0], "the first answer was out before the huge line was read");
        String[] answers = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, answers.length);
        assertTrue(answers[0].startsWith("{\"ids\":[49406,"), answers[0]);
        assertTrue(answers[1].contains("line 2") && answers[1].contains("jclip.limit.lineChars"), answers[1]);
        assertTrue(answers[2].startsWith("{\"ids\":[49406,"), answers[2]);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("line 2"));
    }

    @Test
    void convertToPtKeepsTheConfigSoTheFeaturesStayTheSame() throws Exception {
        Path st = Fixtures.fixture("vit-tiny").resolve("model.safetensors");
        Path pt = dir.resolve("vit-tiny.pt");
        CliRun r = CliRun.clip("convert", st.toString(), pt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("with config"), r.out());
        assertEquals(4, Checkpoints.readMetadataConfig(pt).vision().resolvedHeads());
        assertEquals(Checkpoints.readMetadataConfig(st), Checkpoints.readMetadataConfig(pt));
        INDArray images = Fixtures.npy(Fixtures.fixture("vit-tiny").resolve("images.npy"));
        try (ClipModel a = ClipModels.load(st); ClipModel b = ClipModels.load(pt)) {
            assertEquals(a.encodeImage(images), b.encodeImage(images));
        }
    }

    @Test
    void errorsNameTheFileAndTheOperation() throws IOException {
        Path d = Files.createDirectory(dir.resolve("weights.pt"));
        CliRun r = CliRun.clip("info", d.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(d.toString()) && r.err().contains("cannot read") && r.err().contains("Is a directory"), r.err());
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
