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
    void sizesAndBackendsAreChecked() {
        assertEquals(64L << 20, BenchDistCommand.bytes("--max-bytes", "64M"));
        assertEquals(4096, BenchDistCommand.bytes("--min-bytes", "4096"));
        UsageException e = assertThrows(UsageException.class, () -> BenchDistCommand.bytes("--max-bytes", "12X"));
        assertTrue(e.getMessage().contains("--max-bytes 12X is not a size"), e.getMessage());
        CollectiveException c = assertThrows(CollectiveException.class,
                () -> Main.invoke(new BenchDistCommand(), List.of("--dist-backend", "nccl")));
        assertTrue(c.getMessage().startsWith("no distributed backend 'nccl' (available: auto, local"), c.getMessage());
        if (Runtime.version().feature() >= 25) {
            assertTrue(c.getMessage().contains(", mpi)"), "clip-dist is on the application's class path: " + c.getMessage());
        }
    }
}
