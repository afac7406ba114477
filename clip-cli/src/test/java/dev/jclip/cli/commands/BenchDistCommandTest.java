package dev.jclip.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.train.dist.CollectiveException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code clip bench dist} in one process (MpiCollectiveTest and docs/SCALING.md run it under mpirun). */
class BenchDistCommandTest {
    @Test
    void printsOneJsonLinePerOperationAndSize() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.invoke(new BenchDistCommand(), List.of("--dist-backend", "local", "--max-bytes", "16K"));
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4, lines.size(), lines.toString());
        JsonNode last = new ObjectMapper().readTree(lines.get(3));
        assertEquals("all-gather", last.get("op").asText());
        assertEquals(16384, last.get("bytes").asLong());
        assertEquals(1, last.get("ranks").asInt());
    }

    @Test
    void stepsTimesTheTrainersStepInBothScalingsAndWritesOneRunPerMode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.invoke(new BenchDistCommand(), List.of("--dist-backend", "local", "--no-bandwidth", "--steps", "2",
                    "--warmup", "1", "--batch-size", "4", "--rank-batch", "2", "--output", tmp.resolve("b").toString()));
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        JsonNode global = new ObjectMapper().readTree(lines.get(0)), perRank = new ObjectMapper().readTree(lines.get(1));
        assertEquals("train-step", global.get("op").asText());
        assertEquals(List.of("global-batch", "1", "4", "4"), List.of(global.get("mode").asText(), global.get("ranks").asText(),
                global.get("global_batch").asText(), global.get("rank_batch").asText()));
        assertEquals(List.of("rank-batch", "2", "2"), List.of(perRank.get("mode").asText(), perRank.get("global_batch").asText(),
                perRank.get("rank_batch").asText()));
        assertTrue(global.get("median_step_ms").asDouble() > 0 && global.get("samples_per_s").asDouble() > 0, lines.get(0));
        assertEquals(3, java.nio.file.Files.readAllLines(tmp.resolve("b/global-batch/metrics.jsonl")).size(), "1 + 2 steps");
        assertTrue(java.nio.file.Files.isRegularFile(tmp.resolve("b/rank-batch/metrics.jsonl")));
    }

    @Test
    void sizesAndBackendsAreChecked() {
        assertEquals(64L << 20, BenchDistCommand.bytes("--max-bytes", "64M"));
        assertEquals(4096, BenchDistCommand.bytes("--min-bytes", "4096"));
        UsageException e = assertThrows(UsageException.class, () -> BenchDistCommand.bytes("--max-bytes", "12X"));
        assertTrue(e.getMessage().contains("--max-bytes 12X is not a size"), e.getMessage());
        assertEquals(2, Main.run("bench", "dist", "--dist-backend", "local", "--no-bandwidth"), "nothing to measure");
        CollectiveException c = assertThrows(CollectiveException.class,
                () -> Main.invoke(new BenchDistCommand(), List.of("--dist-backend", "nccl")));
        assertTrue(c.getMessage().startsWith("no distributed backend 'nccl' (available: auto, local"), c.getMessage());
        if (Runtime.version().feature() >= 25) {
            assertTrue(c.getMessage().contains(", mpi)"), "clip-dist is on the application's class path: " + c.getMessage());
        }
    }
}
