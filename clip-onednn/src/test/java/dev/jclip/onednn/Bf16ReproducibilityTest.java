package dev.jclip.onednn;

import dev.jclip.train.checkpoint.SafeTensorsFile;
import dev.jclip.train.ReproRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * bf16 training in separate JVMs (the trainer's {@code precision bf16}, ReproRun's 30 steps of a tiny ViT): one and
 * two threads give the same weights bit for bit (each bf16 product runs per block on one OpenMP thread), and they
 * are not float32's weights.
 */
class Bf16ReproducibilityTest {
    @TempDir
    Path tmp;

    private void train(String precision, int threads, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=3G", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "--add-modules", "jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                "-Drepro.precision=" + precision, "-cp", System.getProperty("java.class.path"), ReproRun.class.getName(),
                String.valueOf(threads), "0", "ViT-tiny=" + out));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // as the clip launcher sets them for --threads N
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "JVM did not finish");
        assertEquals(0, p.exitValue(), output);
    }

    private static Map<String, int[]> weights(Path run) throws Exception {
        Map<String, int[]> out = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : new SafeTensorsFile().read(run.resolve("model.safetensors")).tensors().entrySet()) {
            float[] f = e.getValue().castTo(DataType.FLOAT).data().asFloat();
            int[] bits = new int[f.length];
            for (int i = 0; i < f.length; i++) bits[i] = Float.floatToRawIntBits(f[i]);
            out.put(e.getKey(), bits);
        }
        return out;
    }

    @Test
    void oneAndTwoThreadsGiveTheSameBf16Weights() throws Exception {
        train("bf16", 1, tmp.resolve("bf16-t1"));
        train("bf16", 2, tmp.resolve("bf16-t2"));
        train("float32", 1, tmp.resolve("fp32-t1"));
        Map<String, int[]> one = weights(tmp.resolve("bf16-t1")), two = weights(tmp.resolve("bf16-t2"));
        Map<String, int[]> fp32 = weights(tmp.resolve("fp32-t1"));
        List<String> differ = new ArrayList<>();
        for (String k : one.keySet()) if (!Arrays.equals(one.get(k), two.get(k))) differ.add(k);
        assertTrue(differ.isEmpty(), "bf16 at 1 and 2 threads: " + differ);
        long changed = one.keySet().stream().filter(k -> !Arrays.equals(one.get(k), fp32.get(k))).count();
        assertTrue(changed > one.size() / 2, "bf16 weights differ from float32's in " + changed + " of " + one.size() + " tensors");
        String metrics = Files.readString(tmp.resolve("bf16-t1").resolve("metrics.jsonl"));
        assertTrue(metrics.contains("\"precision\":\"bf16\"") && metrics.contains("\"bf16.kernel\":\"oneDNN 2."), "numerics recorded");
    }
}
