import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Issue 23: the bf16 x bf16 -> float32 matmul of libdnnl.so.2 (Debian's oneDNN 2.6.3) called from Java 25 through
 * the FFM API, at one of CLIP's shapes: the route a {@code --precision bf16} would take. Converts the float32 operands
 * to bf16 in Java (round to nearest even), runs the primitive, prints the implementation oneDNN chose, GFLOP/s
 * (CPU time of the calling thread, best of 7) and the relative error against a float64 product. Run with
 * {@code OMP_NUM_THREADS=1 java --enable-native-access=ALL-UNNAMED bench/bf16/DnnlMatmul.java [M K N]}.
 */
public final class DnnlMatmul {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup DNNL = SymbolLookup.libraryLookup("libdnnl.so.2", Arena.global());
    private static final ValueLayout.OfLong DIM = ValueLayout.JAVA_LONG;
    /** Larger than dnnl_memory_desc_t (696 bytes) and dnnl_matmul_desc_t (2800) of oneDNN 2.6: written by the library. */
    private static final long DESC_BYTES = 8192;
    private static final int F32 = 3, BF16 = 2, TAG_AB = 3; // dnnl_data_type_t, dnnl_format_tag_t (dnnl_types.h, 2.6)
    private static final int ARG_SRC = 1, ARG_WEIGHTS = 33, ARG_DST = 17;

    private static MethodHandle fn(String name, ValueLayout... args) {
        return LINKER.downcallHandle(DNNL.find(name).orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, args));
    }

    private static void check(int status, String what) {
        if (status != 0) throw new IllegalStateException(what + " returned " + status);
    }

    public static void main(String[] args) throws Throwable {
        int m = args.length == 3 ? Integer.parseInt(args[0]) : 8320, k = args.length == 3 ? Integer.parseInt(args[1]) : 128;
        int n = args.length == 3 ? Integer.parseInt(args[2]) : 512;
        var A = ValueLayout.ADDRESS;
        var I = ValueLayout.JAVA_INT;
        MethodHandle engineCreate = fn("dnnl_engine_create", A, I, ValueLayout.JAVA_LONG);
        MethodHandle streamCreate = fn("dnnl_stream_create", A, A, I);
        MethodHandle mdInit = fn("dnnl_memory_desc_init_by_tag", A, I, A, I, I);
        MethodHandle matmulInit = fn("dnnl_matmul_desc_init", A, A, A, A, A);
        MethodHandle pdCreate = fn("dnnl_primitive_desc_create", A, A, A, A, A);
        MethodHandle pdQuery = fn("dnnl_primitive_desc_query", A, I, I, A);
        MethodHandle primCreate = fn("dnnl_primitive_create", A, A);
        MethodHandle memCreate = fn("dnnl_memory_create", A, A, A, A);
        MethodHandle execute = fn("dnnl_primitive_execute", A, A, I, A);
        MethodHandle streamWait = fn("dnnl_stream_wait", A);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(A);
            check((int) engineCreate.invokeExact(p, 1 /* dnnl_cpu */, 0L), "dnnl_engine_create");
            MemorySegment engine = p.get(A, 0);
            check((int) streamCreate.invokeExact(p, engine, 1 /* dnnl_stream_default_flags */), "dnnl_stream_create");
            MemorySegment stream = p.get(A, 0);
            MemorySegment aMd = desc(arena, mdInit, BF16, m, k), bMd = desc(arena, mdInit, BF16, k, n);
            MemorySegment cMd = desc(arena, mdInit, F32, m, n);
            MemorySegment op = arena.allocate(DESC_BYTES, 64);
            check((int) matmulInit.invokeExact(op, aMd, bMd, MemorySegment.NULL, cMd), "dnnl_matmul_desc_init");
            check((int) pdCreate.invokeExact(p, op, MemorySegment.NULL, engine, MemorySegment.NULL), "dnnl_primitive_desc_create");
            MemorySegment pd = p.get(A, 0);
            check((int) pdQuery.invokeExact(pd, 8 /* dnnl_query_impl_info_str */, 0, p), "dnnl_primitive_desc_query");
            String impl = p.get(A, 0).reinterpret(256).getString(0);
            check((int) primCreate.invokeExact(p, pd), "dnnl_primitive_create");
            MemorySegment prim = p.get(A, 0);

            Random rnd = new Random(23);
            float[] a = new float[m * k], b = new float[k * n];
            for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
            MemorySegment aBuf = arena.allocate(2L * m * k, 64), bBuf = arena.allocate(2L * k * n, 64);
            MemorySegment cBuf = arena.allocate(4L * m * n, 64);
            long convNs = Long.MAX_VALUE;
            for (int r = 0; r < 7; r++) {
                long t0 = cpuNs();
                toBf16(a, aBuf);
                convNs = Math.min(convNs, cpuNs() - t0);
            }
            toBf16(b, bBuf);
            MemorySegment aMem = mem(arena, memCreate, aMd, engine, aBuf), bMem = mem(arena, memCreate, bMd, engine, bBuf);
            MemorySegment cMem = mem(arena, memCreate, cMd, engine, cBuf);
            MemorySegment execArgs = arena.allocate(3 * 16, 8);
            int[] ids = {ARG_SRC, ARG_WEIGHTS, ARG_DST};
            MemorySegment[] mems = {aMem, bMem, cMem};
            for (int i = 0; i < 3; i++) {
                execArgs.set(I, 16L * i, ids[i]);
                execArgs.set(A, 16L * i + 8, mems[i]);
            }
            long best = Long.MAX_VALUE;
            for (int r = 0; r < 8; r++) { // the first is a warm-up
                long t0 = cpuNs();
                check((int) execute.invokeExact(prim, stream, 3, execArgs), "dnnl_primitive_execute");
                check((int) streamWait.invokeExact(stream), "dnnl_stream_wait");
                if (r > 0) best = Math.min(best, cpuNs() - t0);
            }
            double num = 0, den = 0;
            for (int i = 0; i < m; i++) {
                double[] row = new double[n];
                for (int q = 0; q < k; q++) {
                    double x = a[i * k + q];
                    for (int j = 0; j < n; j++) row[j] += x * b[q * n + j];
                }
                for (int j = 0; j < n; j++) {
                    double d = cBuf.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j) - row[j];
                    num += d * d;
                    den += row[j] * row[j];
                }
            }
            System.out.printf("RESULT [%d,%d]x[%d,%d] ffm_dnnl_bf16_to_f32 impl=%s %.1f GFLOP/s (%.3f ms, thread CPU, best of 7)"
                    + " rel_err %.2e; Java f32->bf16 of a: %.3f ms%n", m, k, k, n, impl, 2.0 * m * k * n / best, best / 1e6,
                Math.sqrt(num / den), convNs / 1e6);
        }
    }

    private static MemorySegment desc(Arena arena, MethodHandle init, int type, long rows, long cols) throws Throwable {
        MemorySegment md = arena.allocate(DESC_BYTES, 64), dims = arena.allocate(DIM, 2);
        dims.setAtIndex(DIM, 0, rows);
        dims.setAtIndex(DIM, 1, cols);
        check((int) init.invokeExact(md, 2, dims, type, TAG_AB), "dnnl_memory_desc_init_by_tag");
        return md;
    }

    private static MemorySegment mem(Arena arena, MethodHandle create, MemorySegment md, MemorySegment engine,
                                     MemorySegment buf) throws Throwable {
        MemorySegment p = arena.allocate(ValueLayout.ADDRESS);
        check((int) create.invokeExact(p, md, engine, buf), "dnnl_memory_create");
        return p.get(ValueLayout.ADDRESS, 0);
    }

    private static void toBf16(float[] x, MemorySegment out) {
        for (int i = 0; i < x.length; i++) {
            int u = Float.floatToRawIntBits(x[i]);
            u += 0x7FFF + ((u >>> 16) & 1);
            out.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (u >>> 16));
        }
    }

    private static long cpuNs() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
