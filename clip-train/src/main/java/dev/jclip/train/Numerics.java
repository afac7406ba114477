package dev.jclip.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.NativeConvolution;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings a run's numbers depend on, recorded in every checkpoint and in metrics.jsonl, and compared on resume:
 * a resume under different settings would not continue the run bit for bit, so the trainer refuses it unless the
 * config says {@code allow-numerics-change} (and then logs the change).
 *
 * <p>Enforced: {@code precision} (and with bf16, {@code bf16.kernel}: oneDNN's version and kernel), {@code kernels} (fused Java kernels or ND4J ops), {@code loops} (Vector API or
 * scalar), {@code backend}, {@code nd4j} (its version and native build, e.g. {@code linux-x86_64-onednn-avx2}),
 * {@code blas}, {@code matmul} ({@link MatMul#mode()}), {@code nd4j.threads} (libnd4j's OpenMP count, set by
 * {@code OMP_NUM_THREADS} before it loads, which the {@code clip} launcher derives from {@code --threads}; enforced
 * only with {@code matmul} "openmp": the default fixed blocks do not depend on it), {@code conv2d.backward}, {@code jdk}, and every
 * {@code -Djclip.*} system property except the ones listed in {@link #NEUTRAL_PROPERTIES}. Recorded but not
 * enforced ({@link #INFORMATIONAL}): {@code threads} (the {@code threads} option: the Java kernels' and BLAS's
 * counts, which do not change results) and {@code cpu} (the Java kernels do not depend on it; see docs/TRAINING.md).
 */
public final class Numerics {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Recorded, not compared. */
    static final Set<String> INFORMATIONAL = Set.of("threads", "cpu");
    /** jclip properties that change memory use or thread counts only. */
    static final Set<String> NEUTRAL_PROPERTIES = Set.of("jclip.testdata", "jclip.kernelThreads", "jclip.workspace");
    private static final String[] BUILDS = {"-onednn-avx512", "-onednn-avx2", "-onednn", "-avx512", "-avx2", ""};

    private Numerics() {
    }

    /** This JVM's settings for a run of {@code cfg}, in a fixed order. */
    public static Map<String, String> current(TrainConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("precision", cfg.model().precision());
        // bf16 products' bits depend on the kernel (oneDNN's version and the CPU's instructions it chose)
        if ("bf16".equals(cfg.model().precision())) m.put("bf16.kernel", dev.jclip.core.nn.Bf16Gemm.get().implementation());
        m.put("kernels", CpuKernels.kernels());
        m.put("loops", CpuKernels.loops());
        m.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        m.put("nd4j", nd4jBuild());
        m.put("blas", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        // how matrix products run: MatMul's fixed blocks on one OpenMP thread each ("blocks", the default) or ND4J's
        // OpenMP threads ("openmp", -Djclip.matmul=openmp), where libnd4j's thread count, fixed when it loads
        // (OMP_NUM_THREADS), changes the bits of some products (measured, docs/TRAINING.md)
        m.put("matmul", MatMul.mode());
        m.put("nd4j.threads", String.valueOf(Nd4j.getEnvironment().maxThreads()));
        m.put("conv2d.backward", NativeConvolution.fastBackward() ? "conv2d_bp" : "columns");
        m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.version"));
        Map<String, String> props = new TreeMap<>();
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("jclip.") && !NEUTRAL_PROPERTIES.contains(k)) props.put("-D" + k, System.getProperty(k));
        }
        m.putAll(props);
        m.put("threads", String.valueOf(cfg.runtime().threads()));
        m.put("cpu", System.getProperty("os.arch") + " " + dev.jclip.core.Machine.cpuModel());
        return m;
    }

    /** Enforced settings whose values differ, each as {@code "name: saved -> now"} ("unset" where one has none). */
    public static List<String> differences(Map<String, String> saved, Map<String, String> now) {
        Set<String> keys = new java.util.LinkedHashSet<>(saved.keySet());
        keys.addAll(now.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (INFORMATIONAL.contains(k)) continue;
            if (k.equals("nd4j.threads") && !"openmp".equals(saved.get("matmul")) && !"openmp".equals(now.get("matmul"))) continue;
            String a = saved.get(k), b = now.get(k);
            if (!java.util.Objects.equals(a, b)) out.add(k + ": " + (a == null ? "unset" : a) + " -> " + (b == null ? "unset" : b));
        }
        return out;
    }

    public static String toJson(Map<String, String> settings) {
        try {
            return JSON.writeValueAsString(settings);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, String> fromJson(String json, String source) {
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": unreadable numerics settings: " + e.getOriginalMessage(), e);
        }
    }

    /** ND4J's version and the native build on the class path (the nd4j-native classifier). */
    private static String nd4jBuild() {
        String version = Nd4j.class.getPackage().getImplementationVersion();
        String build = "unknown";
        String os = System.getProperty("os.name", "").toLowerCase().startsWith("linux") ? "linux" : System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "").equals("amd64") ? "x86_64" : System.getProperty("os.arch", "");
        ClassLoader loader = Numerics.class.getClassLoader();
        for (String b : BUILDS) {
            if (loader.getResource("org/nd4j/linalg/cpu/nativecpu/bindings/" + os + "-" + arch + b + "/") != null) {
                build = os + "-" + arch + b;
                break;
            }
        }
        return (version == null ? "" : version + " ") + build;
    }
}
