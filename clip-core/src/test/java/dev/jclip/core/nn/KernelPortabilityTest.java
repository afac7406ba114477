package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels' loops give the same bits whatever vector hardware the JVM is allowed to use: {@link KernelProbe}
 * in separate JVMs with the default flags, {@code -XX:UseAVX=2}, {@code -XX:UseAVX=1} (the JVM then offers 128-bit
 * float vectors only, measured: the scalar loops run, as on a CPU without 256-bit vectors; {@code -XX:UseAVX=0} and
 * {@code -XX:MaxVectorSize=16} behave the same), {@code -Djclip.vector=false} and {@code -XX:TieredStopAtLevel=1}
 * (C1: no Vector API intrinsics), and {@code -XX:UseAVX=0}, where the JVM also turns off {@code UseFMA}: {@link FloatExp}'s
 * fused multiply-adds are then computed in software (so slowly that this JVM runs 20 rounds, not 2000), as on a CPU
 * without FMA instructions.
 * Each JVM's first round (interpreter) must also equal its last (C2). AVX-512 ({@code -XX:UseAVX=3}, and the
 * attention products on 512-bit vectors, {@code -Djclip.vector.productBits=512}) is probed only when the CPU has it;
 * the development machines may not (docs/TRAINING.md).
 */
class KernelPortabilityTest {
    private static final Pattern LINE = Pattern.compile("PROBE loops=(\\S+) preferred=(.*) first=(\\w+) last=(\\w+)");

    private record Probe(String loops, String preferred, String first, String last) {
    }

    private static Probe run(int rounds, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelProbe.class.getName(), String.valueOf(rounds)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", flags) + ":\n" + out);
        Matcher m = LINE.matcher(out);
        assertTrue(m.find(), out);
        return new Probe(m.group(1), m.group(2), m.group(3), m.group(4));
    }

    @Test
    void everyVectorSettingGivesTheSameBits() throws Exception {
        Map<String, String[]> variants = new LinkedHashMap<>();
        variants.put("default", new String[0]);
        variants.put("UseAVX=2", new String[]{"-XX:UseAVX=2"});
        variants.put("UseAVX=1", new String[]{"-XX:UseAVX=1"});
        variants.put("jclip.vector=false", new String[]{"-Djclip.vector=false"});
        variants.put("C1 only", new String[]{"-XX:TieredStopAtLevel=1"});
        variants.put("UseAVX=0", new String[]{"-XX:UseAVX=0"});
        if (hasAvx512()) {
            variants.put("UseAVX=3", new String[]{"-XX:UseAVX=3"});
            variants.put("512-bit products", new String[]{"-Djclip.vector.productBits=512"});
        }
        Probe reference = null;
        Map<String, String> loops = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> v : variants.entrySet()) {
            Probe p = run(v.getKey().equals("UseAVX=0") ? 20 : 2000, v.getValue());
            loops.put(v.getKey(), p.loops() + " (" + p.preferred() + ")");
            assertEquals(p.first(), p.last(), v.getKey() + ": the interpreter's round differs from the compiled one");
            if (reference == null) reference = p;
            else assertEquals(reference.first(), p.first(), v.getKey() + " differs from the default flags; loops: " + loops);
        }
        // the variants did exercise both implementations
        assertEquals("vector", loops.get("default").split(" ")[0], loops.toString());
        assertEquals("scalar", loops.get("jclip.vector=false").split(" ")[0], loops.toString());
        assertEquals("scalar", loops.get("UseAVX=1").split(" ")[0], loops.toString());
        assertEquals("scalar", loops.get("UseAVX=0").split(" ")[0], loops.toString());
        System.out.println("KernelPortabilityTest: " + loops);
    }

    private static boolean hasAvx512() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo")).contains(" avx512f");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
