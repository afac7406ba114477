package dev.jclip.onednn;

import dev.jclip.core.nn.Bf16Gemm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Bf16Gemm} through oneDNN 2.x: each operand reordered from float32 to a dense bf16 copy in its own memory order
 * (oneDNN's reorder rounds to nearest even; a transpose is only the matmul's view of the copy), then a bf16 x bf16 ->
 * float32 matmul with alpha as its output scale and beta as a sum post-op. On CPUs with AVX512-BF16 oneDNN 2.6 runs
 * brgemm kernels with {@code vdpbf16ps} (2.0-2.1x its float32 products on the development VM: docs/PERFORMANCE.md); a
 * CPU for which it has only its reference kernel is refused at start.
 *
 * <p>oneDNN runs on the calling thread's OpenMP thread count, which {@code MatMul} sets to one per block, so the
 * result depends on the block's shapes only. Streams, primitives and memory objects are per thread (none is shared
 * between threads) and destroyed after the thread ends; a bf16 copy is the caller's, from {@code malloc}, until closed.
 */
public final class OneDnnBf16Gemm implements Bf16Gemm {
    private static final Cleaner CLEANER = Cleaner.create();
    private final Dnnl dnnl;
    private final String implementation;
    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(this::newPerThread);

    /** Loads libdnnl and checks that it has a bf16 kernel better than its reference one on this CPU. */
    public OneDnnBf16Gemm() {
        dnnl = new Dnnl();
        String impl = probe();
        if (impl.startsWith("ref")) {
            throw new IllegalStateException("oneDNN " + dnnl.version + " has only its reference bf16 matrix product on this CPU ("
                    + impl + "): bf16 would be far slower than float32");
        }
        implementation = "oneDNN " + dnnl.version + ", " + impl;
    }

    @Override
    public String implementation() {
        return implementation;
    }

    @Override
    public Matrix toBf16(INDArray x) {
        if (x.rank() != 2 || x.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("bf16 copy of a FLOAT matrix, got " + x.dataType() + " " + Arrays.toString(x.shape()));
        }
        Layout from = Layout.of(x), to = from.dense();
        Copy copy = new Copy(Native.malloc(2 * Math.max(1, to.rows() * to.cols())), to);
        try {
            if (to.rows() * to.cols() > 0) perThread.get().reorder(from, address(x), copy.address());
            return copy;
        } catch (Throwable e) {
            copy.close();
            throw rethrow(e);
        }
    }

    @Override
    public void gemm(Matrix a, Matrix b, INDArray c, boolean transA, boolean transB, float alpha, float beta) {
        if (c.rank() != 2 || c.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("bf16 gemm writes a FLOAT matrix, got " + c.dataType() + " " + Arrays.toString(c.shape()));
        }
        Layout x = ((Copy) a).layout(), y = ((Copy) b).layout();
        if (transA) x = x.transposed();
        if (transB) y = y.transposed();
        long m = c.rows(), n = c.columns(), k = x.cols();
        if (x.rows() != m || y.rows() != k || y.cols() != n) {
            throw new IllegalArgumentException("bf16 gemm: shapes do not match: [" + x.rows() + ", " + x.cols() + "] x ["
                    + y.rows() + ", " + y.cols() + "] -> " + Arrays.toString(c.shape()));
        }
        if (m == 0 || n == 0) return;
        if (k == 0) {   // an empty sum: alpha * 0 + beta c
            c.muli(beta);
            return;
        }
        try {
            perThread.get().matmul(new Shape(x, y, Layout.of(c), alpha, beta), ((Copy) a).address(), ((Copy) b).address(), address(c));
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) return r;
        if (e instanceof Error err) throw err;
        return new IllegalStateException(e);
    }

    /** A bf16 copy in memory from {@code malloc}, freed once by {@link #close}. */
    private static final class Copy implements Matrix {
        private final long address;
        private final Layout layout;
        private boolean closed;

        Copy(long address, Layout layout) {
            this.address = address;
            this.layout = layout;
        }

        long address() {
            if (closed) throw new IllegalStateException("bf16 copy used after close");
            return address;
        }

        Layout layout() {
            return layout;
        }

        @Override
        public void close() {
            if (!closed) Native.free(address);
            closed = true;
        }
    }

    /** A matrix's dimensions and element strides (a size-1 dimension's stride made regular: any is valid). */
    record Layout(long rows, long cols, long rowStride, long colStride) {
        static Layout of(INDArray x) {
            long r = x.rows(), c = x.columns(), s0 = x.stride(0), s1 = x.stride(1);
            if (c == 1) s1 = 1;
            if (r == 1) s0 = s1 == 1 ? c : 1;
            return new Layout(r, c, s0, s1);
        }

        /** Dense, in this layout's memory order (column-major where its columns are contiguous): a copy streams. */
        Layout dense() {
            return rowStride == 1 && colStride != 1 ? new Layout(rows, cols, 1, rows) : new Layout(rows, cols, cols, 1);
        }

        Layout transposed() {
            return new Layout(cols, rows, colStride, rowStride);
        }
    }

    /** Everything a product's primitive depends on: a key of the per-thread cache. */
    record Shape(Layout a, Layout b, Layout c, float alpha, float beta) {
    }

    /** The implementation oneDNN picks for a small bf16 x bf16 -> float32 product. */
    private String probe() {
        try (Arena arena = Arena.ofConfined()) {
            Layout square = new Layout(64, 64, 64, 1);
            MemorySegment op = matmulDesc(arena, new Shape(square, square, square, 1f, 0f));
            MemorySegment pd = primitiveDesc(arena, op, MemorySegment.NULL);
            try {
                MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
                Dnnl.check((int) dnnl.pdQuery.invokeExact(pd, Dnnl.QUERY_IMPL_INFO, 0, out), "dnnl_primitive_desc_query");
                return out.get(ValueLayout.ADDRESS, 0).reinterpret(256).getString(0);
            } finally {
                Dnnl.check((int) dnnl.pdDestroy.invokeExact(pd), "dnnl_primitive_desc_destroy");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** bf16 a [m, k] x bf16 b [k, n] -> float32 c, each laid out as the shape says. */
    private MemorySegment matmulDesc(Arena arena, Shape s) throws Throwable {
        MemorySegment src = matrix(arena, Dnnl.BF16, s.a()), wei = matrix(arena, Dnnl.BF16, s.b()), dst = matrix(arena, Dnnl.F32, s.c());
        MemorySegment op = arena.allocate(Dnnl.DESC_BYTES, 64);
        Dnnl.check((int) dnnl.matmulDescInit.invokeExact(op, src, wei, MemorySegment.NULL, dst), "dnnl_matmul_desc_init");
        return op;
    }

    private MemorySegment matrix(Arena arena, int type, Layout l) throws Throwable {
        return dnnl.matrix(arena, type, l.rows(), l.cols(), l.rowStride(), l.colStride());
    }

    private MemorySegment primitiveDesc(Arena arena, MemorySegment op, MemorySegment attr) throws Throwable {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        Dnnl.check((int) dnnl.pdCreate.invokeExact(out, op, attr, dnnl.engine, MemorySegment.NULL), "dnnl_primitive_desc_create (matmul)");
        return out.get(ValueLayout.ADDRESS, 0);
    }

    private PerThread newPerThread() {
        try {
            return new PerThread();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** A primitive and the memory objects of its arguments (their data handles set per call). */
    private record Bound(MemorySegment primitive, MemorySegment... memories) {
    }

    /** The native objects a thread made, destroyed together once the thread's {@link PerThread} is unreachable. */
    private static final class NativeObjects implements Runnable {
        final List<MemorySegment> primitives = new ArrayList<>(), memories = new ArrayList<>();
        MemorySegment stream;
        private final Dnnl dnnl;

        NativeObjects(Dnnl dnnl) {
            this.dnnl = dnnl;
        }

        @Override
        public void run() {
            try {
                for (MemorySegment m : memories) { int ignored = (int) dnnl.memoryDestroy.invokeExact(m); }
                for (MemorySegment p : primitives) { int ignored = (int) dnnl.primitiveDestroy.invokeExact(p); }
                if (stream != null) { int ignored = (int) dnnl.streamDestroy.invokeExact(stream); }
            } catch (Throwable ignored) {
                // a cleaner has no one to report to; the process goes on
            }
        }
    }

    private final class PerThread {
        private final NativeObjects owned = new NativeObjects(dnnl);
        private final Map<Layout, Bound> reorders = new HashMap<>();
        private final Map<Shape, Bound> products = new HashMap<>();
        private final MemorySegment args = Arena.ofAuto().allocate(3 * 16, 8);   // dnnl_exec_arg_t {int arg; dnnl_memory_t memory}

        PerThread() throws Throwable {
            CLEANER.register(this, owned);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ValueLayout.ADDRESS);
                Dnnl.check((int) dnnl.streamCreate.invokeExact(out, dnnl.engine, Dnnl.STREAM_IN_ORDER), "dnnl_stream_create");
                owned.stream = out.get(ValueLayout.ADDRESS, 0);
            }
        }

        /** float32 at {@code from} (laid out as {@code layout}) to its dense bf16 copy at {@code to}. */
        void reorder(Layout layout, long from, long to) throws Throwable {
            Bound r = reorders.get(layout);
            if (r == null) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment src = matrix(a, Dnnl.F32, layout), dst = matrix(a, Dnnl.BF16, layout.dense());
                    MemorySegment out = a.allocate(ValueLayout.ADDRESS);
                    Dnnl.check((int) dnnl.reorderPdCreate.invokeExact(out, src, dnnl.engine, dst, dnnl.engine, MemorySegment.NULL),
                            "dnnl_reorder_primitive_desc_create");
                    r = new Bound(primitive(a, out.get(ValueLayout.ADDRESS, 0)), memory(a, src), memory(a, dst));
                }
                reorders.put(layout, r);
            }
            setHandle(r.memories()[0], from);
            setHandle(r.memories()[1], to);
            execute(r.primitive(), Dnnl.ARG_SRC, r.memories()[0], Dnnl.ARG_DST, r.memories()[1]);
        }

        void matmul(Shape s, long a, long b, long c) throws Throwable {
            Bound p = products.get(s);
            if (p == null) {
                p = createMatmul(s);
                products.put(s, p);
            }
            setHandle(p.memories()[0], a);
            setHandle(p.memories()[1], b);
            setHandle(p.memories()[2], c);
            execute(p.primitive(), Dnnl.ARG_SRC, p.memories()[0], Dnnl.ARG_WEIGHTS, p.memories()[1], Dnnl.ARG_DST, p.memories()[2]);
        }

        private Bound createMatmul(Shape s) throws Throwable {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment attr = MemorySegment.NULL, postOps = MemorySegment.NULL;
                MemorySegment out = a.allocate(ValueLayout.ADDRESS);
                try {
                    if (s.alpha() != 1f || s.beta() != 0f) {
                        Dnnl.check((int) dnnl.attrCreate.invokeExact(out), "dnnl_primitive_attr_create");
                        attr = out.get(ValueLayout.ADDRESS, 0);
                        if (s.alpha() != 1f) {
                            MemorySegment scale = a.allocateFrom(ValueLayout.JAVA_FLOAT, s.alpha());
                            Dnnl.check((int) dnnl.attrSetOutputScales.invokeExact(attr, 1L, 0, scale), "dnnl_primitive_attr_set_output_scales");
                        }
                        if (s.beta() != 0f) {
                            Dnnl.check((int) dnnl.postOpsCreate.invokeExact(out), "dnnl_post_ops_create");
                            postOps = out.get(ValueLayout.ADDRESS, 0);
                            Dnnl.check((int) dnnl.postOpsAppendSum.invokeExact(postOps, s.beta()), "dnnl_post_ops_append_sum");
                            Dnnl.check((int) dnnl.attrSetPostOps.invokeExact(attr, postOps), "dnnl_primitive_attr_set_post_ops");
                        }
                    }
                    MemorySegment primitive = primitive(a, primitiveDesc(a, matmulDesc(a, s), attr));
                    return new Bound(primitive, memory(a, matrix(a, Dnnl.BF16, s.a())), memory(a, matrix(a, Dnnl.BF16, s.b())),
                            memory(a, matrix(a, Dnnl.F32, s.c())));
                } finally {
                    if (postOps.address() != 0) Dnnl.check((int) dnnl.postOpsDestroy.invokeExact(postOps), "dnnl_post_ops_destroy");
                    if (attr.address() != 0) Dnnl.check((int) dnnl.attrDestroy.invokeExact(attr), "dnnl_primitive_attr_destroy");
                }
            }
        }

        /** The primitive of a descriptor, which is destroyed after. */
        private MemorySegment primitive(Arena a, MemorySegment pd) throws Throwable {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            try {
                Dnnl.check((int) dnnl.primitiveCreate.invokeExact(out, pd), "dnnl_primitive_create");
            } finally {
                Dnnl.check((int) dnnl.pdDestroy.invokeExact(pd), "dnnl_primitive_desc_destroy");
            }
            MemorySegment p = out.get(ValueLayout.ADDRESS, 0);
            owned.primitives.add(p);
            return p;
        }

        private MemorySegment memory(Arena a, MemorySegment md) throws Throwable {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            Dnnl.check((int) dnnl.memoryCreate.invokeExact(out, md, dnnl.engine, MemorySegment.NULL), "dnnl_memory_create");
            MemorySegment mem = out.get(ValueLayout.ADDRESS, 0);
            owned.memories.add(mem);
            return mem;
        }

        private void setHandle(MemorySegment memory, long address) throws Throwable {
            Dnnl.check((int) dnnl.memorySetHandle.invokeExact(memory, MemorySegment.ofAddress(address)), "dnnl_memory_set_data_handle");
        }

        private void execute(MemorySegment primitive, Object... idAndMemory) throws Throwable {
            int count = idAndMemory.length / 2;
            for (int i = 0; i < count; i++) {
                args.set(ValueLayout.JAVA_INT, 16L * i, (Integer) idAndMemory[2 * i]);
                args.set(ValueLayout.ADDRESS, 16L * i + 8, (MemorySegment) idAndMemory[2 * i + 1]);
            }
            Dnnl.check((int) dnnl.execute.invokeExact(primitive, owned.stream, count, args), "dnnl_primitive_execute");
            Dnnl.check((int) dnnl.streamWait.invokeExact(owned.stream), "dnnl_stream_wait");
        }
    }

    /** The address of a matrix's first element (its buffer's, plus the view's offset). */
    private static long address(INDArray x) {
        return x.data().addressPointer().address();
    }
}
