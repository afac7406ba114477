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

    @Test
    void precisionBf16ReachesTheStepAndItsBlocks() throws Exception {
        // clip-cli's tests run on Java 25 with clip-onednn on the class path, as the launcher does
        JsonNode j = json(run(0, "bench", "train", "--model", "ViT-tiny", "--batch-size", "8", "--steps", "1", "--warmup", "1",
                "--warmup-seconds", "0", "--no-sgemm", "--precision", "bf16"));
        assertEquals("bf16", j.get("precision").asText());
        assertTrue(j.get("bf16_kernel").asText().startsWith("oneDNN 2."), j.toString());
        assertTrue(j.get("blocks").size() > 0, j.toString());
        JsonNode f = json(run(0, "bench", "train", "--model", "ViT-tiny", "--batch-size", "8", "--steps", "1", "--warmup", "1",
                "--warmup-seconds", "0", "--no-sgemm", "--no-blocks"));
        assertEquals("float32", f.get("precision").asText());
        assertTrue(Math.abs(f.get("final_loss").asDouble() - j.get("final_loss").asDouble()) > 0, "bf16 changed the loss");
        run(2, "bench", "train", "--model", "ViT-tiny", "--precision", "fp16");
    }

    private static JsonNode json(String out) throws Exception {
        return new ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
    }

    /** Block kinds of the JSON's blocks array, as "tower kind". */
    private static java.util.Set<String> kinds(JsonNode j) {
        java.util.Set<String> kinds = new java.util.TreeSet<>();
        for (JsonNode b : j.get("blocks")) kinds.add(b.get("tower").asText() + " " + b.get("kind").asText());
        return kinds;
    }

    @Test
    void blocksOfATinyVitAgainstTheGemmPeak() throws Exception {
        JsonNode j = json(run(0, "bench", "train", "--model", "ViT-tiny", "--batch-size", "4", "--steps", "1", "--warmup", "1",
                "--warmup-seconds", "0", "--threads", "1"));
        assertEquals(java.util.Set.of("image attention", "image attention_core", "image mlp", "image layer_norm",
                "text attention", "text attention_core", "text mlp", "text layer_norm"), kinds(j));
        double peak = j.get("sgemm_peak_gflops").asDouble();
        for (JsonNode b : j.get("blocks")) {
            assertTrue(b.get("ms").asDouble() > 0 && b.get("count").asInt() > 0 && !b.get("shape").asText().isEmpty(), b.toString());
            if (b.get("kind").asText().equals("layer_norm")) {
                assertEquals(0, b.get("madds").asLong());
                continue;
            }
            double gflops = b.get("gflops").asDouble();
            assertTrue(b.get("madds").asLong() > 0 && gflops > 0, b.toString());
            assertEquals(gflops / peak, b.get("fraction_of_sgemm_peak").asDouble(), 0.002, b.toString());
            assertEquals(b.get("gflops_per_cpu_s").asDouble() / j.get("sgemm_peak_gflops_per_cpu_s").asDouble(),
                    b.get("fraction_of_sgemm_peak_cpu").asDouble(), 0.002, b.toString());
        }
    }

    @Test
    void blocksOfATinyResNetAndTheirSwitch() throws Exception {
        JsonNode j = json(run(0, "bench", "train", "--model", "RN-tiny", "--batch-size", "4", "--steps", "1", "--warmup", "1",
                "--warmup-seconds", "0", "--no-sgemm"));
        assertEquals(java.util.Set.of("image convolution", "image batch_norm", "image attention_pool",
                "text attention", "text attention_core", "text mlp", "text layer_norm"), kinds(j));
        int convolutions = 0;
        for (JsonNode b : j.get("blocks")) {
            if (b.get("kind").asText().equals("convolution")) convolutions += b.get("count").asInt();
            assertTrue(!b.has("fraction_of_sgemm_peak"), "no peak measured: " + b);
        }
        assertEquals(3 + 4 * 3 + 4, convolutions, j.toString());   // the stem, 4 bottlenecks, each with a downsample
        JsonNode off = json(run(0, "bench", "train", "--model", "RN-tiny", "--batch-size", "4", "--steps", "1", "--warmup", "1",
                "--warmup-seconds", "0", "--no-sgemm", "--no-blocks"));
        assertTrue(!off.has("blocks"), off.toString());
    }
}
