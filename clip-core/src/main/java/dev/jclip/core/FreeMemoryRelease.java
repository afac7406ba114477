package dev.jclip.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Hands the memory that tcmalloc keeps for reuse back to the system ({@code MallocExtension_ReleaseFreeMemory}).
 * The {@code clip} launcher preloads tcmalloc with {@code TCMALLOC_RELEASE_RATE=0}, so that the hundreds of MB a
 * large model's step frees are reused instead of faulted in again; but then memory freed once and never needed again
 * stays resident too. The step arena calls this between the step that measures its size and its allocation
 * ({@code StepWorkspace}): without it the arena came on top of the measuring step's freed memory (MEDIUM b128 peaked
 * at 1.6 GB with tcmalloc against 1.1 GB with glibc; docs/PERFORMANCE.md, "The memory allocator").
 *
 * <p>Reached through the FFM API, which is final from Java 22; this class is Java 17 bytecode like the rest of the
 * library, so the few calls go through reflection. On Java 17, and in a process without tcmalloc, it does nothing.
 * glibc's malloc is left alone: its counterpart, {@code malloc_trim}, made some ResNet runs 40-100 % slower
 * (docs/PERFORMANCE.md, "Peak memory against PyTorch").
 */
public final class FreeMemoryRelease {
    private static final Logger LOG = LoggerFactory.getLogger(FreeMemoryRelease.class);
    private static final MethodHandle RELEASE = find();

    private FreeMemoryRelease() {
    }

    /** Whether {@link #release()} does anything here: tcmalloc is loaded and the JVM has the FFM API (Java 22+). */
    public static boolean available() {
        return RELEASE != null;
    }

    /** Returns tcmalloc's free memory to the system; returns whether it did (see {@link #available()}). */
    public static boolean release() {
        if (RELEASE == null) return false;
        try {
            RELEASE.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("MallocExtension_ReleaseFreeMemory failed", t);
        }
        return true;
    }

    private static MethodHandle find() {
        if (Runtime.version().feature() < 22) return null;
        Optional<Path> tcmalloc = Machine.tcmalloc();
        if (tcmalloc.isEmpty()) return null;
        try {
            return voidDowncall(tcmalloc.get(), "MallocExtension_ReleaseFreeMemory");
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("tcmalloc is loaded ({}) but its free memory cannot be released: {}", tcmalloc.get(), e.toString());
            return null;
        }
    }

    /**
     * A handle on the C function {@code void name(void)} of {@code library}: {@code Linker.nativeLinker()
     * .downcallHandle(SymbolLookup.libraryLookup(library, Arena.global()).find(name).orElseThrow(),
     * FunctionDescriptor.ofVoid())}, written with reflection (the library modules are compiled for Java 17, which has
     * no {@code java.lang.foreign}). The library is already loaded, so looking it up maps nothing new.
     */
    static MethodHandle voidDowncall(Path library, String name) throws ReflectiveOperationException {
        Class<?> linker = Class.forName("java.lang.foreign.Linker");
        Class<?> linkerOption = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> symbolLookup = Class.forName("java.lang.foreign.SymbolLookup");
        Class<?> arena = Class.forName("java.lang.foreign.Arena");
        Class<?> memorySegment = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> functionDescriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> memoryLayout = Class.forName("java.lang.foreign.MemoryLayout");

        Object lookup = symbolLookup.getMethod("libraryLookup", Path.class, arena)
                .invoke(null, library, arena.getMethod("global").invoke(null));
        Optional<?> symbol = (Optional<?>) symbolLookup.getMethod("find", String.class).invoke(lookup, name);
        if (symbol.isEmpty()) throw new NoSuchMethodException(name + " not found in " + library);
        Object descriptor = functionDescriptor.getMethod("ofVoid", memoryLayout.arrayType())
                .invoke(null, Array.newInstance(memoryLayout, 0));
        Object nativeLinker = linker.getMethod("nativeLinker").invoke(null);
        return (MethodHandle) linker.getMethod("downcallHandle", memorySegment, functionDescriptor, linkerOption.arrayType())
                .invoke(nativeLinker, symbol.get(), descriptor, Array.newInstance(linkerOption, 0));
    }
}
