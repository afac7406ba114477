package dev.jclip.train;

import dev.jclip.train.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same config and seed give the same weights bit for bit in separate JVMs: a tiny ViT and a tiny ResNet (32 px,
 * batch 4, 30 steps; {@link ReproRun}) trained with default flags, with {@code -XX:TieredStopAtLevel=1} (C1 only:
 * no Vector API intrinsics), with {@code threads} 1 and 2 started as the {@code clip} launcher starts them (the
 * option, and {@code OMP_NUM_THREADS} and {@code OPENBLAS_NUM_THREADS} set to the same count in the JVM's
 * environment: libnd4j rounds some matrix products differently at 1 and 2 OpenMP threads, which {@code MatMul}'s
 * fixed blocks on one OpenMP thread each take out; at 2 the ResNet's towers run at the same time, one thread each,
 * {@code concurrent-towers on}), with the scalar loops instead of the Vector API,
 * on the other JDK of the build (Maven's, Java 25 under {@code ./build/test}, while this test runs on Java 17),
 * and resumed in a new JVM after the first was killed with SIGKILL having written its step-15 checkpoint. A resume
 * under a changed numerics setting is refused, naming it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReproducibilityTest {
    private static final String RN_32 = "{\"embed_dim\": 64, \"quick_gelu\": true, \"vision_cfg\": {\"image_size\": 32,"
            + " \"layers\": [1, 1, 1, 1], \"width\": 16, \"head_width\": 128, \"patch_size\": null}, \"text_cfg\":"
            + " {\"context_length\": 16, \"vocab_size\": 1000, \"width\": 64, \"heads\": 4, \"layers\": 2}}";

    @TempDir
    static Path tmp;
    private String resnet;

    @BeforeAll
    void trainInSeparateJvms() throws Exception {
        resnet = Files.writeString(tmp.resolve("RN-tiny-32.json"), RN_32).toString();
    }

    /** Output of a JVM that ran to its end. */
    private record Exit(int code, String output) {
    }

    private static final String THIS_JAVA = ProcessHandle.current().info().command().orElseThrow();

    private Process start(List<String> jvmFlags, int threads, long killAt, String... runs) throws Exception {
        return start(THIS_JAVA, jvmFlags, threads, killAt, runs);
    }

    private Process start(String javaCommand, List<String> jvmFlags, int threads, long killAt, String... runs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand);
        cmd.addAll(List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=3G", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ReproRun.class.getName(), String.valueOf(threads), String.valueOf(killAt)));
        cmd.addAll(List.of(runs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // what the clip launcher does with --threads N: libnd4j's OpenMP count (fixed when it loads) and OpenBLAS's
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }

    private Exit run(List<String> jvmFlags, int threads, String... runs) throws Exception {
        return run(THIS_JAVA, jvmFlags, threads, runs);
    }

    private Exit run(String javaCommand, List<String> jvmFlags, int threads, String... runs) throws Exception {
        Process p = start(javaCommand, jvmFlags, threads, 0, runs);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "JVM did not finish");
        return new Exit(p.exitValue(), out);
    }

    private void runOk(List<String> jvmFlags, int threads, String... runs) throws Exception {
        Exit e = run(jvmFlags, threads, runs);
        assertEquals(0, e.code(), e.output());
    }

    /** Starts a JVM, waits until it has written the checkpoint of step 15 into {@code dir}, and kills it (SIGKILL). */
    private void killAfterCheckpoint15(Path dir, String... runs) throws Exception {
        Process p = start(List.of("--add-modules", "jdk.incubator.vector"), 1, 15, runs);
        StringBuilder out = new StringBuilder();
        boolean seen = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.equals("CHECKPOINT " + dir + " 15")) {
                    seen = true;
                    p.destroyForcibly();
                    break;
                }
            }
        }
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertTrue(seen, "no step-15 checkpoint announced:\n" + out);
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertFalse(Files.exists(dir.resolve("model.safetensors")), "the killed run must not have finished");
    }

    private static Map<String, float[]> weights(Path run) throws Exception {
        Map<String, float[]> out = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : new SafeTensorsFile().read(run.resolve("model.safetensors")).tensors().entrySet()) {
            out.put(e.getKey(), e.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat());
        }
        return out;
    }

    private static void assertBitIdentical(Path expected, Path actual, String what) throws Exception {
        Map<String, float[]> a = weights(expected), b = weights(actual);
        assertEquals(a.keySet(), b.keySet(), what);
        List<String> differ = new ArrayList<>();
        for (String k : a.keySet()) {
            int[] x = bits(a.get(k)), y = bits(b.get(k));
            if (!Arrays.equals(x, y)) differ.add(k);
        }
        assertTrue(differ.isEmpty(), what + ": " + differ.size() + " of " + a.size() + " tensors differ, e.g. " + differ.subList(0, Math.min(5, differ.size())));
    }

    private static int[] bits(float[] f) {
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]);
        return out;
    }

    private String[] both(String variant) {
        return new String[]{"ViT-tiny=" + tmp.resolve(variant + "-vit"), resnet + "=" + tmp.resolve(variant + "-rn")};
    }

    private void reference() throws Exception {
        if (!Files.exists(tmp.resolve("ref-rn/model.safetensors"))) runOk(List.of("--add-modules", "jdk.incubator.vector"), 1, both("ref"));
    }

    private void assertBothMatchReference(String variant) throws Exception {
        assertBitIdentical(tmp.resolve("ref-vit"), tmp.resolve(variant + "-vit"), "ViT-tiny, " + variant);
        assertBitIdentical(tmp.resolve("ref-rn"), tmp.resolve(variant + "-rn"), "RN-tiny at 32 px, " + variant);
    }

    @Test
    void c1OnlyGivesTheSameWeightsAsDefaultFlags() throws Exception {
        reference();
        runOk(List.of("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1"), 1, both("c1"));
        assertBothMatchReference("c1");
    }

    @Test
    void threadsOption2GivesTheSameWeightsAs1() throws Exception {
        reference();
        runOk(List.of("--add-modules", "jdk.incubator.vector"), 2, both("t2"));
        assertBothMatchReference("t2");
    }

    @Test
    void scalarLoopsGiveTheSameWeightsAsTheVectorApi() throws Exception {
        reference();
        runOk(List.of("--add-modules", "jdk.incubator.vector", "-Djclip.vector=false"), 1, both("scalar"));
        assertBothMatchReference("scalar");
    }

    @Test
    void theOtherJdkGivesTheSameWeights() throws Exception {
        reference();
        String other = System.getProperty("jclip.maven.jvm");
        int thisVersion = Runtime.version().feature(), otherVersion = featureVersion(other);
        assertTrue(otherVersion != thisVersion, "this test compares two JDKs: Maven's (" + other + ", " + otherVersion
                + ") and the tests' (" + thisVersion + ") are the same version; run ./build/test, which runs the tests"
                + " on Java 17 and Maven on Java 25, or pass -Djclip.test.jvm=<another JDK's bin/java>");
        List<String> flags = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector"));
        // JavaCPP and Guava call sun.misc.Unsafe and native code; Java 24+ warns unless allowed (Java 17 has no such options)
        if (otherVersion >= 24) flags.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
        Exit e = run(other, flags, 1, both("jdk" + otherVersion));
        assertEquals(0, e.code(), e.output());
        assertBothMatchReference("jdk" + otherVersion);
    }

    /** The feature version (17, 25, ...) of the JDK whose java is at {@code javaCommand}. */
    private static int featureVersion(String javaCommand) throws Exception {
        Process p = new ProcessBuilder(javaCommand, "-XshowSettings:properties", "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), javaCommand + " -version did not finish");
        Matcher m = Pattern.compile("java\\.specification\\.version = (\\d+)").matcher(out);
        assertTrue(m.find(), javaCommand + " -XshowSettings:properties printed no java.specification.version:\n" + out);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void resumeInANewJvmAfterKill9EndsBitIdentical() throws Exception {
        reference();
        Path vit = tmp.resolve("killed-vit"), rn = tmp.resolve("killed-rn");
        killAfterCheckpoint15(vit, "ViT-tiny=" + vit);
        // the second JVM resumes the ViT run to its end, then is killed in the ResNet run after step 15
        killAfterCheckpoint15(rn, "ViT-tiny=" + vit + "=latest", resnet + "=" + rn);
        runOk(List.of("--add-modules", "jdk.incubator.vector"), 1, resnet + "=" + rn + "=latest");
        assertBothMatchReference("killed");

        // resuming step 15 with the scalar loops instead is refused, naming the setting
        Exit refused = run(List.of("--add-modules", "jdk.incubator.vector", "-Djclip.vector=false"), 1,
                "ViT-tiny=" + vit + "=" + vit.resolve("checkpoints/step-00000015.safetensors"));
        assertEquals(2, refused.code(), refused.output());
        assertTrue(refused.output().contains("loops: vector -> scalar"), refused.output());
        assertTrue(refused.output().contains("-Djclip.vector: unset -> false"), refused.output());
        assertTrue(refused.output().contains("allow-numerics-change"), refused.output());
    }
}
