package dev.jclip.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The MPI C library, called through Java's Foreign Function &amp; Memory API: loading it, detecting its ABI and the
 * dozen functions a {@link MpiCollective} needs. Handles are {@code long} on the Java side (see {@link MpiAbi}); every
 * function returns MPI's error code, which {@link #check} turns into an exception with MPI's own error text.
 */
final class MpiLibrary {
    /** dlopen flags: resolve now, and make libmpi's symbols visible to the plugins it loads itself (Open MPI's MCA). */
    private static final int RTLD_NOW = 2;
    private static final int RTLD_GLOBAL = 0x100;
    /** Larger than every ABI's MPI_MAX_LIBRARY_VERSION_STRING and MPI_MAX_ERROR_STRING. */
    private static final int TEXT_BYTES = 8192;

    private static final Linker LINKER = Linker.nativeLinker();

    final String name;
    final String version;
    final MpiAbi abi;
    final MpiAbi.Handles handles;

    final MethodHandle initThread;     // (int*, char***, int, int*) int
    final MethodHandle finalized;      // (int*) int
    final MethodHandle finalizeMpi;    // () int
    final MethodHandle commRank;       // (comm, int*) int
    final MethodHandle commSize;       // (comm, int*) int
    final MethodHandle setErrhandler;  // (comm, errhandler) int
    final MethodHandle errorString;    // (int, char*, int*) int
    final MethodHandle allgather;      // (void*, int, type, void*, int, type, comm) int
    final MethodHandle allreduce;      // (void*, void*, int, type, op, comm) int
    final MethodHandle bcast;          // (void*, int, type, int, comm) int
    final MethodHandle barrier;        // (comm) int
    final MethodHandle abort;          // (comm, int) int

    private MpiLibrary(String name, SymbolLookup lib) {
        this.name = name;
        this.version = libraryVersion(lib);
        this.abi = MpiAbi.detect(version, lib.find("MPI_Abi_get_version").isPresent());
        this.handles = abi.handles(lib);
        initThread = function(lib, "MPI_Init_thread", "ppip");
        finalized = function(lib, "MPI_Finalized", "p");
        finalizeMpi = function(lib, "MPI_Finalize", "");
        commRank = function(lib, "MPI_Comm_rank", "hp");
        commSize = function(lib, "MPI_Comm_size", "hp");
        setErrhandler = function(lib, "MPI_Comm_set_errhandler", "hh");
        errorString = function(lib, "MPI_Error_string", "ipp");
        allgather = function(lib, "MPI_Allgather", "pihpihh");
        allreduce = function(lib, "MPI_Allreduce", "ppihhh");
        bcast = function(lib, "MPI_Bcast", "pihih");
        barrier = function(lib, "MPI_Barrier", "h");
        abort = function(lib, "MPI_Abort", "hi");
    }

    /** Loads the first of {@code candidates} that dlopen finds; the error lists what each attempt said. */
    static MpiLibrary load(List<String> candidates) {
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            String error = dlopenGlobal(candidate);
            if (error == null) {
                return new MpiLibrary(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
            }
            failures.add(error);
        }
        throw new IllegalStateException("no MPI library could be loaded (" + String.join("; ", failures) + "). Install"
                + " Open MPI (openmpi-bin libopenmpi-dev) or MPICH (mpich libmpich-dev), or name the library with"
                + " -Djclip.mpi.library=/path/to/libmpi.so (JCLIP_MPI_LIBRARY)");
    }

    /** Sets an environment variable of this process unless it is set already (C's setenv with overwrite 0). */
    static void setenvIfAbsent(String name, String value) {
        MethodHandle setenv = LINKER.downcallHandle(libc("setenv"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (rc != 0) throw new IllegalStateException("setenv(" + name + ") failed");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Throws with MPI's text for a non-zero return code of {@code function}; {@code rank} -1 when not yet known. */
    void check(int code, String function, int rank) {
        if (code == 0) return;
        throw new MpiError(function + " failed" + (rank >= 0 ? " on rank " + rank : "") + ": " + errorText(code)
                + " (MPI error " + code + ", " + name + ")");
    }

    /** MPI's description of an error code. */
    String errorText(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(TEXT_BYTES);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) errorString.invokeExact(code, text, length);
            return rc == 0 ? text.getString(0) : "error code " + code;
        } catch (Throwable t) {
            return "error code " + code;
        }
    }

    /** An error an MPI function returned (MPI_ERRORS_RETURN is set on the world communicator). */
    static final class MpiError extends RuntimeException {
        MpiError(String message) {
            super(message);
        }
    }

    /** MPI_Get_library_version, callable before MPI_Init. */
    private static String libraryVersion(SymbolLookup lib) {
        MethodHandle get = LINKER.downcallHandle(find(lib, "MPI_Get_library_version"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(TEXT_BYTES);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) get.invokeExact(text, length);
            if (rc != 0) throw new IllegalStateException("MPI_Get_library_version returned " + rc);
            return text.getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * A downcall handle for {@code symbol} returning int, with arguments by letter: {@code p} a pointer (Java
     * MemorySegment), {@code i} an int, {@code h} a handle (Java long, passed as this ABI's handle type).
     */
    private MethodHandle function(SymbolLookup lib, String symbol, String args) {
        MemoryLayout[] layouts = new MemoryLayout[args.length()];
        for (int i = 0; i < layouts.length; i++) {
            layouts[i] = switch (args.charAt(i)) {
                case 'p' -> ADDRESS;
                case 'i' -> JAVA_INT;
                case 'h' -> abi.handle;
                default -> throw new IllegalArgumentException(args);
            };
        }
        MethodHandle mh = LINKER.downcallHandle(find(lib, symbol), FunctionDescriptor.of(JAVA_INT, layouts));
        MethodHandle fromLong = abi.handle == JAVA_INT ? LONG_TO_INT : LONG_TO_ADDRESS;
        for (int i = 0; i < layouts.length; i++) {
            if (args.charAt(i) == 'h') mh = MethodHandles.filterArguments(mh, i, fromLong);
        }
        return mh;
    }

    private static final MethodHandle LONG_TO_INT;
    private static final MethodHandle LONG_TO_ADDRESS;

    static {
        try {
            LONG_TO_INT = MethodHandles.explicitCastArguments(MethodHandles.identity(long.class),
                    MethodType.methodType(int.class, long.class));
            LONG_TO_ADDRESS = MethodHandles.lookup().findStatic(MemorySegment.class, "ofAddress",
                    MethodType.methodType(MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MemorySegment find(SymbolLookup lib, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new IllegalStateException("the MPI library has no function " + symbol));
    }

    private static MemorySegment libc(String symbol) {
        return LINKER.defaultLookup().find(symbol).orElseThrow(() -> new IllegalStateException("libc has no " + symbol));
    }

    /** dlopen(name, RTLD_NOW | RTLD_GLOBAL); null when it worked, else dlerror's text. */
    private static String dlopenGlobal(String name) {
        MethodHandle dlopen = LINKER.downcallHandle(libc("dlopen"), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        MethodHandle dlerror = LINKER.downcallHandle(libc("dlerror"), FunctionDescriptor.of(ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(name), RTLD_NOW | RTLD_GLOBAL);
            if (!handle.equals(MemorySegment.NULL)) return null;
            MemorySegment error = (MemorySegment) dlerror.invokeExact();
            return error.equals(MemorySegment.NULL) ? name + ": not found" : error.reinterpret(4096).getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
