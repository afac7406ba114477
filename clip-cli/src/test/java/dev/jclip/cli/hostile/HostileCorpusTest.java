package dev.jclip.cli.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jclip.core.testing.Fixtures;
import dev.jclip.core.testing.HostileFiles;
import dev.jclip.data.shards.ShardWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20's "Must show": every crafted file of {@link HostileFiles#corpus} gets a clear error (or a report)
 * naming it, from the {@code clip} commands a user would run on it, within 5 s, with a peak resident memory (heap
 * and native) under 256 MB above the same commands on valid files, in one forked JVM with {@code -Xmx512m}.
 */
class HostileCorpusTest {
    private static final long MAX_MS = 5000;
    private static final long MAX_EXTRA_RSS_KB = 256 * 1024;

    @TempDir
    Path dir;

    @Test
    void everyCraftedFileIsRefusedNamingItInBoundedTimeAndMemory() throws Exception {
        Map<String, Path> corpus = HostileFiles.corpus(dir.resolve("corpus"));
        List<String> args = new ArrayList<>();
        // Valid files first: the peak after them is the baseline.
        args.add("ckpt:valid-pt:" + Fixtures.fixture("vit-tiny").resolve("model.pt"));
        args.add("ckpt:valid-safetensors:" + Fixtures.fixture("vit-tiny").resolve("model.safetensors"));
        args.add("image:valid-png:" + HostileFiles.write(dir.resolve("ok.png"), HostileFiles.png(64, 48)));
        args.add("image:valid-jpeg:" + HostileFiles.write(dir.resolve("ok.jpg"), HostileFiles.jpeg(64, 48)));
        args.add("shard:valid-shard:" + validShard(dir.resolve("ok-shards")));
        corpus.forEach((label, file) -> args.add(kind(label) + ":" + label + ":" + file));

        Map<String, List<String[]>> lines = fork(args);
        long baseline = 0;
        for (String label : List.of("valid-pt", "valid-safetensors", "valid-png", "valid-jpeg", "valid-shard")) {
            for (String[] l : lines.get(label)) {
                assertEquals("0", l[1], label + " " + l[0] + ": " + l[4]);
                baseline = Math.max(baseline, Long.parseLong(l[3]));
            }
        }
        List<String> failures = new ArrayList<>();
        StringBuilder table = new StringBuilder("peak RSS after the valid files: " + baseline / 1024 + " MB\n");
        for (Map.Entry<String, Path> e : corpus.entrySet()) {
            String file = e.getValue().toString();
            boolean named = false;
            for (String[] l : lines.get(e.getKey())) {
                String what = e.getKey() + " (" + l[0] + "): " + l[4];
                long ms = Long.parseLong(l[2]);
                long extraKb = Long.parseLong(l[3]) - baseline;
                table.append(String.format("%-22s %-26s rc %2s %5d ms  +%4d MB  %s%n", e.getKey(), l[0], l[1], ms,
                        Math.max(0, extraKb) / 1024, l[4].length() > 150 ? l[4].substring(0, 150) : l[4]));
                if (ms >= MAX_MS) failures.add(what + " took " + ms + " ms");
                if (extraKb >= MAX_EXTRA_RSS_KB) failures.add(what + " peaked " + extraKb / 1024 + " MB above the valid files");
                if (l[4].contains("OutOfMemoryError") || l[4].contains("StackOverflowError") || l[4].contains("THROWN")) failures.add(what);
                if (l[1].equals("1") && !l[4].contains(file)) failures.add("an error that does not name the file: " + what);
                named |= l[4].contains(file) && (!l[1].equals("0") || l[4].contains("skipped"));
            }
            if (!named) failures.add(e.getKey() + ": no command refused it naming " + file);
        }
        System.out.println(table);
        assertEquals(List.of(), failures, table.toString());
    }

    private static String kind(String label) {
        if (label.startsWith("png") || label.startsWith("jpeg")) return "image";
        if (label.startsWith("shard")) return "shard";
        return "ckpt";
    }

    private static Path validShard(Path dir) throws IOException {
        try (ShardWriter w = new ShardWriter(dir, "s", 100)) {
            for (int i = 0; i < 8; i++) w.write(String.format("%03d", i), "png", HostileFiles.png(40 + i, 32), "sample " + i, null);
        }
        return dir.resolve("s-00000.tar");
    }

    /** Runs HostileCorpusMain in a JVM of its own with a 512 MB heap; its lines grouped by label. */
    private Map<String, List<String[]>> fork(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--add-modules", "jdk.incubator.vector", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), HostileCorpusMain.class.getName()));
        cmd.addAll(args);
        Path out = dir.resolve("child.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("OMP_NUM_THREADS", "2");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the corpus JVM did not finish in 5 minutes");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        Map<String, List<String[]>> byLabel = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length != 5) continue; // JVM or ND4J chatter
            String[] labelAndCommand = f[0].split(" ", 2);
            f[0] = labelAndCommand[1];
            byLabel.computeIfAbsent(labelAndCommand[0], k -> new ArrayList<>()).add(f);
        }
        return byLabel;
    }
}
