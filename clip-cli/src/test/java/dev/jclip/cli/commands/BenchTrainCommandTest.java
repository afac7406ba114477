package dev.jclip.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code clip bench train --force-patch-dropout --grad-checkpointing}: the flags reach the benchmark and its JSON. */
class BenchTrainCommandTest {
    private static String run(int expectedCode, String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedCode, Main.run(argv));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void patchDropoutAndCheckpointingFlagsShowInTheJson() throws Exception {
        String out = run(0, "bench", "train", "--model", "ViT-tiny", "--batch-size", "8", "--steps", "1", "--warmup", "1",
                "--warmup-seconds", "0", "--no-sgemm", "--force-patch-dropout", "0.5", "--grad-checkpointing");
        JsonNode j = new ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
        assertEquals(0.5, j.get("patch_dropout").asDouble());
        assertTrue(j.get("grad_checkpointing").asBoolean());
        assertTrue(j.get("activation_peak_mb").asDouble() > 0, out);
        assertTrue(j.get("image_tower_median_ms").asDouble() > 0, out);
        // the machine, so that figures from different CPUs are not mixed up (values checked in MachineTest)
        assertEquals(dev.jclip.core.Machine.cpuModel(), j.get("cpu_model").asText());
        assertEquals(dev.jclip.core.Machine.vectorBits(), j.get("vector_bits").asInt());
        assertTrue(j.get("vector_isa").asText().matches("AVX-512|AVX2|AVX|SSE|scalar|\\d+-bit"), out);
        run(2, "bench", "train", "--model", "RN-tiny", "--force-patch-dropout", "0.5", "--no-sgemm");
    }
}
