package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Read/write throughput on a ViT-B-32-sized state dict (random values). Off by default; run with
 * {@code mvn -o -pl clip-core test -Dtest=CheckpointBenchmark -Djclip.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "jclip.bench", matches = "true")
class CheckpointBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointBenchmark.class);

    @TempDir
    Path dir;

    @Test
    void vitB32() throws Exception {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.HALF}) {
            Map<String, INDArray> state = new LinkedHashMap<>();
            OpenAiShapes.of(ClipConfig.preset("ViT-B-32")).forEach((k, s) -> state.put(k, Nd4j.rand(DataType.FLOAT, s).castTo(type)));
            long bytes = state.values().stream().mapToLong(TensorBytes::byteSize).sum();
            for (Checkpoints.Format f : new Checkpoints.Format[]{Checkpoints.Format.SAFETENSORS, Checkpoints.Format.TORCH_ZIP}) {
                Path file = dir.resolve("b32." + f);
                long t0 = System.nanoTime();
                Checkpoints.write(state, null, file, f);
                long t1 = System.nanoTime();
                long heapBefore = heapUsed();
                Map<String, INDArray> back = Checkpoints.readStateDict(file);
                long t2 = System.nanoTime();
                long heapAfter = heapUsed();
                assertEquals(state.size(), back.size());
                String line = String.format("%s %s: %.0f MB, write %.2f s (%.0f MB/s), read %.2f s (%.0f MB/s), heap growth %.1f MB while holding the loaded state",
                        type, f, bytes / 1e6, (t1 - t0) / 1e9, bytes / 1e6 / ((t1 - t0) / 1e9), (t2 - t1) / 1e9,
                        bytes / 1e6 / ((t2 - t1) / 1e9), (heapAfter - heapBefore) / 1e6);
                LOG.warn(line);
                System.err.println("BENCH " + line);
                Files.delete(file);
                back.clear();
            }
        }
    }

    private static long heapUsed() {
        for (int i = 0; i < 3; i++) System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
