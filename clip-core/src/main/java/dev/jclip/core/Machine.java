package dev.jclip.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Facts about the machine that decide how fast the kernels run, for benchmark output: figures from different CPUs
 * must never be mixed up (an AMD Zen 4 and an Intel Xeon with AVX-512 gave jclip/PyTorch ratios 1.6x apart).
 *
 * <p>The vector facts are the JVM's: the width of the Vector API's preferred species ({@code -XX:UseAVX=2} on an
 * AVX-512 CPU gives 256 bits), and the instruction set that width implies on x86 given the CPU's flags.
 */
public final class Machine {
    private Machine() {
    }

    /** cpu_model, vector_isa, vector_bits, cpu_flags_isa, malloc: what the benchmarks print. */
    public static Map<String, Object> facts() {
        Set<String> flags = cpuFlags(cpuInfo());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel());
        m.put("vector_isa", vectorIsa(vectorBits(), flags));
        m.put("vector_bits", vectorBits());
        m.put("cpu_flags_isa", vectorIsa(Integer.MAX_VALUE, flags));
        m.put("malloc", allocator(readLines("/proc/self/maps")));
        return m;
    }

    /**
     * The native memory allocator of this process: "tcmalloc" or "jemalloc" when one is loaded (the {@code clip}
     * launcher preloads tcmalloc with {@code JCLIP_MALLOC=tcmalloc}), else "glibc" on Linux, "unknown" without /proc. It moves step
     * time and peak memory by up to 2x (docs/PERFORMANCE.md, "The memory allocator"), so figures name it.
     */
    static String allocator(List<String> maps) {
        if (maps.isEmpty()) return "unknown";
        if (mappedLibrary(maps, "libtcmalloc").isPresent()) return "tcmalloc";
        if (mappedLibrary(maps, "libjemalloc").isPresent()) return "jemalloc";
        return "glibc";
    }

    /** The file of the tcmalloc library this process has loaded (preloaded, for its malloc to be the process's). */
    public static Optional<Path> tcmalloc() {
        return mappedLibrary(readLines("/proc/self/maps"), "libtcmalloc");
    }

    /** The first file in {@code maps} (lines of /proc/PID/maps) whose name starts with {@code namePrefix}. */
    static Optional<Path> mappedLibrary(List<String> maps, String namePrefix) {
        for (String line : maps) {
            int slash = line.indexOf('/');
            if (slash < 0) continue;
            Path file = Path.of(line.substring(slash).trim());
            if (file.getFileName().toString().startsWith(namePrefix)) return Optional.of(file);
        }
        return Optional.empty();
    }

    /** The first "model name" in /proc/cpuinfo, else {@code os.arch} (machines without /proc). */
    public static String cpuModel() {
        return cpuInfo().stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
    }

    /**
     * Bits of the Vector API's preferred float species, or 0 when the {@code jdk.incubator.vector} module is not
     * loaded (then every kernel runs its scalar loops). Read by reflection: this class must load without the module.
     */
    public static int vectorBits() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return 0;
        try {
            Object species = Class.forName("jdk.incubator.vector.FloatVector").getField("SPECIES_PREFERRED").get(null);
            // the interface's method: the species' own class is not public
            return (Integer) Class.forName("jdk.incubator.vector.VectorSpecies").getMethod("vectorBitSize").invoke(species);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * The x86 vector instruction set that vectors of {@code bits} use on a CPU with {@code flags} (at most the best the
     * CPU has): "AVX-512", "AVX2", "AVX", "SSE"; "scalar" for no vectors; on other architectures "NNN-bit".
     */
    static String vectorIsa(int bits, Set<String> flags) {
        if (bits <= 0) return "scalar";
        if (!flags.contains("sse2")) return bits == Integer.MAX_VALUE ? "unknown" : bits + "-bit";
        if (bits >= 512 && flags.contains("avx512f")) return "AVX-512";
        if (bits >= 256 && flags.contains("avx2")) return "AVX2";
        if (bits >= 256 && flags.contains("avx")) return "AVX";
        return "SSE";
    }

    /** The "flags" line of the first processor in /proc/cpuinfo (empty off Linux). */
    static Set<String> cpuFlags(List<String> cpuInfo) {
        return cpuInfo.stream().filter(l -> l.startsWith("flags")).findFirst()
                .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))).orElse(Set.of());
    }

    private static List<String> cpuInfo() {
        return readLines("/proc/cpuinfo");
    }

    private static List<String> readLines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
