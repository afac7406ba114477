package dev.jclip.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MachineTest {

    /** The facts the benchmarks print exist and agree with /proc/cpuinfo and the JVM (the tests run with the Vector API). */
    @Test
    void factsAreThisMachines() throws Exception {
        Map<String, Object> f = Machine.facts();
        assertEquals(List.of("cpu_model", "vector_isa", "vector_bits", "cpu_flags_isa", "malloc"), List.copyOf(f.keySet()));
        // surefire's JVM runs without a preloaded allocator
        if (Files.isReadable(Path.of("/proc/self/maps"))) assertEquals("glibc", f.get("malloc"));
        String model = (String) f.get("cpu_model");
        assertFalse(model.isBlank());
        int bits = (Integer) f.get("vector_bits");
        assertTrue(Set.of(128, 256, 512).contains(bits), "preferred species of " + bits + " bits");
        assertEquals(bits, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            List<String> lines = Files.readAllLines(cpuinfo);
            String expected = lines.stream().filter(l -> l.startsWith("model name")).findFirst().orElseThrow();
            assertTrue(expected.endsWith(model), expected + " vs " + model);
            Set<String> flags = Machine.cpuFlags(lines);
            if (flags.contains("sse2")) { // x86: the vector width the JVM picked is one the CPU has
                String isa = (String) f.get("vector_isa");
                assertEquals(bits == 512 ? "AVX-512" : bits == 256 ? (flags.contains("avx2") ? "AVX2" : "AVX") : "SSE", isa);
                assertTrue(flags.contains(isa.equals("AVX-512") ? "avx512f" : isa.equals("AVX2") ? "avx2" : isa.equals("AVX") ? "avx" : "sse2"));
            }
        }
    }

    /** The instruction set from a width and a flag set: never more than the CPU has. */
    @Test
    void isaFollowsWidthAndFlags() {
        Set<String> zen4 = Set.of("sse2", "avx", "avx2", "avx512f", "avx512_bf16");
        assertEquals("AVX-512", Machine.vectorIsa(512, zen4));
        assertEquals("AVX2", Machine.vectorIsa(256, zen4)); // -XX:UseAVX=2 on an AVX-512 CPU
        assertEquals("SSE", Machine.vectorIsa(128, zen4));
        assertEquals("AVX-512", Machine.vectorIsa(Integer.MAX_VALUE, zen4));
        assertEquals("AVX2", Machine.vectorIsa(Integer.MAX_VALUE, Set.of("sse2", "avx", "avx2")));
        assertEquals("AVX", Machine.vectorIsa(512, Set.of("sse2", "avx")));
        assertEquals("scalar", Machine.vectorIsa(0, zen4));
        assertEquals("128-bit", Machine.vectorIsa(128, Set.of("fp", "asimd"))); // aarch64 NEON
        assertEquals(Set.of("fpu", "avx2"), Machine.cpuFlags(List.of("model name\t: X", "flags\t\t: fpu avx2", "flags\t: sse2")));
    }

    /** The allocator is named from the libraries mapped into the process. */
    @Test
    void allocatorFromMappedLibraries() {
        String libc = "7f1a2b000000-7f1a2b028000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6";
        String tc = "7f1a2c000000-7f1a2c010000 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10";
        String je = "7f1a2d000000-7f1a2d010000 r-xp 00000000 08:01 98 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
        assertEquals("glibc", Machine.allocator(List.of(libc)));
        assertEquals("tcmalloc", Machine.allocator(List.of(libc, tc)));
        assertEquals("jemalloc", Machine.allocator(List.of(je, libc)));
        assertEquals("unknown", Machine.allocator(List.of()));
        assertEquals(Optional.of(Path.of("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10")),
                Machine.mappedLibrary(List.of(libc, tc), "libtcmalloc"));
        assertEquals(Optional.empty(), Machine.mappedLibrary(List.of(libc, je, "7f1a2e000000-7f1a2e001000 rw-p 00000000 00:00 0 "), "libtcmalloc"));
    }
}
