package dev.jclip.onednn;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The part of oneDNN 2.x's C API ({@code dnnl.h}) that bf16 products need, bound through the FFM API to
 * {@code libdnnl.so.2} (Debian's {@code libdnnl2}, 2.6.3 here). oneDNN 3 changed these calls (memory descriptors
 * became opaque handles), so another major version is refused at load.
 */
final class Dnnl {
    static final String LIBRARY = "libdnnl.so.2";
    /** {@code dnnl_data_type_t}, {@code dnnl_engine_kind_t}, execution argument ids ({@code dnnl_types.h}, 2.6). */
    static final int BF16 = 2, F32 = 3, ENGINE_CPU = 1, STREAM_IN_ORDER = 1;
    static final int ARG_SRC = 1, ARG_DST = 17, ARG_WEIGHTS = 33;
    /** {@code dnnl_query_impl_info_str}. */
    static final int QUERY_IMPL_INFO = 8;
    /**
     * Bytes set aside for a {@code dnnl_memory_desc_t} (696 in 2.6) or {@code dnnl_matmul_desc_t} (2,800): the
     * library fills them, this side only passes their address on.
     */
    static final long DESC_BYTES = 8192;

    private static final AddressLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final Linker LINKER = Linker.nativeLinker();

    final String version;
    final MethodHandle engineCreate = fn("dnnl_engine_create", A, I, L);
    final MethodHandle streamCreate = fn("dnnl_stream_create", A, A, I);
    final MethodHandle streamDestroy = fn("dnnl_stream_destroy", A);
    final MethodHandle mdInitByStrides = fn("dnnl_memory_desc_init_by_strides", A, I, A, I, A);
    final MethodHandle matmulDescInit = fn("dnnl_matmul_desc_init", A, A, A, A, A);
    final MethodHandle attrCreate = fn("dnnl_primitive_attr_create", A);
    final MethodHandle attrDestroy = fn("dnnl_primitive_attr_destroy", A);
    final MethodHandle attrSetOutputScales = fn("dnnl_primitive_attr_set_output_scales", A, L, I, A);
    final MethodHandle attrSetPostOps = fn("dnnl_primitive_attr_set_post_ops", A, A);
    final MethodHandle postOpsCreate = fn("dnnl_post_ops_create", A);
    final MethodHandle postOpsAppendSum = fn("dnnl_post_ops_append_sum", A, F);
    final MethodHandle postOpsDestroy = fn("dnnl_post_ops_destroy", A);
    final MethodHandle pdCreate = fn("dnnl_primitive_desc_create", A, A, A, A, A);
    final MethodHandle reorderPdCreate = fn("dnnl_reorder_primitive_desc_create", A, A, A, A, A, A);
    final MethodHandle pdQuery = fn("dnnl_primitive_desc_query", A, I, I, A);
    final MethodHandle pdDestroy = fn("dnnl_primitive_desc_destroy", A);
    final MethodHandle primitiveCreate = fn("dnnl_primitive_create", A, A);
    final MethodHandle primitiveDestroy = fn("dnnl_primitive_destroy", A);
    final MethodHandle memoryCreate = fn("dnnl_memory_create", A, A, A, A);
    final MethodHandle memorySetHandle = fn("dnnl_memory_set_data_handle", A, A);
    final MethodHandle memoryDestroy = fn("dnnl_memory_destroy", A);
    final MethodHandle execute = fn("dnnl_primitive_execute", A, A, I, A);
    final MethodHandle streamWait = fn("dnnl_stream_wait", A);
    /** The CPU engine, made once and kept for the process. */
    final MemorySegment engine;

    private static SymbolLookup lookup;

    Dnnl() {
        MethodHandle versionFn = LINKER.downcallHandle(symbol("dnnl_version"), FunctionDescriptor.of(A));
        try {
            // dnnl_version_t: int major, minor, patch; const char *hash; ...
            MemorySegment v = ((MemorySegment) versionFn.invokeExact()).reinterpret(12);
            int major = v.get(I, 0), minor = v.get(I, 4), patch = v.get(I, 8);
            version = major + "." + minor + "." + patch;
            if (major != 2) {
                throw new IllegalStateException(LIBRARY + " is oneDNN " + version + ": jclip calls oneDNN 2.x's API (Debian's libdnnl2)");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(A);
                check((int) engineCreate.invokeExact(out, ENGINE_CPU, 0L), "dnnl_engine_create");
                engine = out.get(A, 0);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized MemorySegment symbol(String name) {
        if (lookup == null) {
            try {
                lookup = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cannot load " + LIBRARY + " (oneDNN 2.x; Debian: apt-get install libdnnl2): " + e.getMessage(), e);
            }
        }
        return lookup.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no " + name + ": not oneDNN 2.x"));
    }

    private static MethodHandle fn(String name, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(I, args));
    }

    /** A {@code dnnl_status_t} other than success, as an exception naming the call. */
    static void check(int status, String call) {
        if (status != 0) throw new IllegalStateException("oneDNN " + call + " failed: " + statusName(status));
    }

    private static String statusName(int status) {
        return switch (status) {
            case 1 -> "out of memory";
            case 2 -> "invalid arguments";
            case 3 -> "unimplemented (no implementation for these shapes and types)";
            case 4 -> "iterator ends";
            case 5 -> "runtime error";
            case 6 -> "not required";
            default -> "status " + status;
        };
    }

    /** A new plain memory descriptor: 2-D, {@code type}, these dimensions and element strides. */
    MemorySegment matrix(Arena arena, int type, long rows, long cols, long rowStride, long colStride) throws Throwable {
        MemorySegment md = arena.allocate(DESC_BYTES, 64), dims = arena.allocate(L, 2), strides = arena.allocate(L, 2);
        dims.setAtIndex(L, 0, rows);
        dims.setAtIndex(L, 1, cols);
        strides.setAtIndex(L, 0, rowStride);
        strides.setAtIndex(L, 1, colStride);
        check((int) mdInitByStrides.invokeExact(md, 2, dims, type, strides), "dnnl_memory_desc_init_by_strides");
        return md;
    }
}
