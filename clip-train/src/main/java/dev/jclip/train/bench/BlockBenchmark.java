package dev.jclip.train.bench;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.TextConfig;
import dev.jclip.core.config.VisionConfig;
import dev.jclip.core.model.FlopCounter;
import dev.jclip.core.nn.AttentionCore;
import dev.jclip.core.nn.AttentionPool2d;
import dev.jclip.core.nn.BatchNorm2d;
import dev.jclip.core.nn.Bottleneck;
import dev.jclip.core.nn.Conv2d;
import dev.jclip.core.nn.Gelu;
import dev.jclip.core.nn.Layer;
import dev.jclip.core.nn.LayerNorm;
import dev.jclip.core.nn.Linear;
import dev.jclip.core.nn.MultiheadSelfAttention;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.core.nn.QuickGelu;
import dev.jclip.core.nn.StepWorkspace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Times forward + backward of each kind of block of a model on its own, at the training step's shapes, so that the
 * dense blocks' arithmetic rate can be set beside the machine's GEMM rate ({@code clip bench train}'s
 * {@code blocks}). The blocks are the real layer classes, built fresh (PyTorch-default initial values; the values
 * do not change the work): per transformer tower {@code attention} (the {@link MultiheadSelfAttention} layer:
 * in-projection, fused core, out-projection; a ViT's at its full sequence, without patch dropout), {@code attention_core} (the fused core alone, where it runs: CPU, float32), {@code mlp}
 * ({@code c_fc}, QuickGELU or GELU, {@code c_proj}) and {@code layer_norm}; for a ModifiedResNet image tower one
 * {@code convolution} and one {@code batch_norm} per distinct shape (with how many times the tower has it) and
 * {@code attention_pool}. Multiply-adds come from {@link FlopCounter}'s per-block formulas: a forward pass's count
 * times 3 (backward computes the input and the weight gradient, one product each per forward product), times 2 for
 * the stem's first convolution, which computes no input gradient. Each block is warmed up for at least
 * {@code warmup} calls and {@code min(warmupSeconds, 1)} seconds (the step benchmark before it has already run the
 * same kernels), then timed over {@code steps} calls; each call runs in a reused arena, as a training step does.
 */
public final class BlockBenchmark {
    /** Seconds of warm-up per block at most: the step benchmark has compiled the same kernels already. */
    private static final double MAX_WARMUP_SECONDS = 1.0;
    private static final String WORKSPACE_ID = "jclip-bench-block";

    private BlockBenchmark() {
    }

    /**
     * One block to time: the layer, its input and output gradient, and its forward + backward multiply-adds (0 for
     * the bandwidth-bound normalisations); {@code count} is how many of it one forward pass of the tower runs.
     */
    record Block(String kind, String tower, String shape, int count, double madds, Layer layer, Supplier<INDArray> input,
                 long[] outputShape) {
    }

    /**
     * @param sgemmPeak the machine's measured GEMM rate, or null (then no fractions are reported)
     * @return one map per block: kind, tower, shape, count, madds, ms and cpu_ms (medians), and for blocks with
     * multiply-adds gflops and fraction_of_sgemm_peak (wall clock), gflops_per_cpu_s and fraction_of_sgemm_peak_cpu (the
     * calling thread's CPU time, against the GEMM's by the same measure)
     */
    public static List<Map<String, Object>> run(ClipConfig cfg, int batch, int steps, int warmup, double warmupSeconds,
                                                TrainBenchmark.SgemmRate sgemmPeak, long seed) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Block b : blocks(cfg, batch, seed)) {
            double[] t = time(b, steps, warmup, Math.min(warmupSeconds, MAX_WARMUP_SECONDS));
            double ms = t[0], cpuMs = t[1];
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", b.kind());
            row.put("tower", b.tower());
            row.put("shape", b.shape());
            row.put("count", b.count());
            row.put("madds", Math.round(b.madds()));
            row.put("ms", round(ms, 3));
            // the calling thread's CPU time: at one thread all of the block's work (ND4J's one OpenMP thread and the
            // kernels run on it), without the time other processes took; at more threads only this thread's share
            row.put("cpu_ms", round(cpuMs, 3));
            if (b.madds() > 0) {
                double gflops = 2 * b.madds() / ms / 1e6;
                row.put("gflops", round(gflops, 2));
                if (sgemmPeak != null) row.put("fraction_of_sgemm_peak", round(gflops / sgemmPeak.gflops(), 3));
                if (cpuMs > 0) {
                    double perCpuS = 2 * b.madds() / cpuMs / 1e6;
                    row.put("gflops_per_cpu_s", round(perCpuS, 2));
                    if (sgemmPeak != null) row.put("fraction_of_sgemm_peak_cpu", round(perCpuS / sgemmPeak.gflopsPerCpuS(), 3));
                }
            }
            out.add(row);
        }
        if (Nd4j.getWorkspaceManager().checkIfWorkspaceExists(WORKSPACE_ID)) {
            Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(WORKSPACE_ID));
        }
        return out;
    }

    /** The blocks of both towers at the step's shapes: the image tower first, then the text tower. */
    static List<Block> blocks(ClipConfig cfg, int batch, long seed) {
        ParameterStore store = new ParameterStore(DataType.FLOAT, seed);
        List<Block> out = new ArrayList<>();
        VisionConfig v = cfg.vision();
        if (v.isResNet()) {
            resnet(out, store, v, cfg.embedDim(), batch);
        } else {
            transformer(out, store, "image", batch, v.gridSize() * v.gridSize() + 1, v.width(), v.resolvedHeads(),
                    v.mlpRatio(), false, cfg.quickGelu(), v.depth());
        }
        TextConfig t = cfg.text();
        transformer(out, store, "text", batch, t.contextLength(), t.width(), t.heads(), t.mlpRatio(), true, cfg.quickGelu(), t.layers());
        return out;
    }

    private static void transformer(List<Block> out, ParameterStore store, String tower, int batch, int tokens, int width,
                                    int heads, double mlpRatio, boolean causal, boolean quickGelu, int layers) {
        int hidden = (int) Math.round(width * mlpRatio);
        long rows = (long) batch * tokens;
        String p = tower + ".block";
        String shape = "B" + batch + " T" + tokens + " D" + width + " H" + heads + (causal ? " causal" : "");
        long[] seq = {rows, width};
        out.add(new Block("attention", tower, shape, layers, 3 * FlopCounter.attentionMadds(batch, tokens, width),
                MultiheadSelfAttention.create(store, p + ".attn", width, heads, tokens, causal, 0, 0),
                () -> random(seq), seq));
        INDArray example = Nd4j.create(DataType.FLOAT, 1, 1);
        if (AttentionCore.applies(example)) {
            long[] packed = {rows, 3L * width};
            out.add(new Block("attention_core", tower, shape, layers, 3 * FlopCounter.attentionCoreMadds(batch, tokens, width),
                    new AttentionCore(batch, tokens, width, heads, causal), () -> random(packed), seq));
        }
        Layer mlp = new Chain(Linear.create(store, p + ".mlp.c_fc", width, hidden), quickGelu ? new QuickGelu() : new Gelu(),
                Linear.create(store, p + ".mlp.c_proj", hidden, width));
        out.add(new Block("mlp", tower, shape + " hidden " + hidden + (quickGelu ? " QuickGELU" : " GELU"), layers,
                3 * FlopCounter.mlpMadds(batch, tokens, width, hidden), mlp, () -> random(seq), seq));
        out.add(new Block("layer_norm", tower, "[" + rows + ", " + width + "]", 2 * layers, 0,
                LayerNorm.create(store, p + ".ln", width), () -> random(seq), seq));
    }

    /** The convolutions and BatchNorms of ModifiedResNet (stem, bottlenecks), merged by shape, then the attention pool. */
    private static void resnet(List<Block> out, ParameterStore store, VisionConfig v, int embed, int batch) {
        Map<String, Block> byShape = new LinkedHashMap<>();
        int w = v.width(), side = v.imageSize();
        ResNetShapes shapes = new ResNetShapes(byShape, store, batch);
        shapes.conv(3, w / 2, 3, 2, 1, side, false, "stem");
        side /= 2;
        shapes.conv(w / 2, w / 2, 3, 1, 1, side, true, "stem");
        shapes.conv(w / 2, w, 3, 1, 1, side, true, "stem");
        side /= 2;   // the stem's average pool
        int inplanes = w;
        for (int stage = 0; stage < 4; stage++) {
            int planes = w << stage;
            for (int i = 0; i < v.layers()[stage]; i++) {
                int stride = i == 0 && stage > 0 ? 2 : 1, outplanes = planes * Bottleneck.EXPANSION, outSide = side / stride;
                String where = "layer" + (stage + 1);
                shapes.conv(inplanes, planes, 1, 1, 0, side, true, where);
                shapes.conv(planes, planes, 3, 1, 1, side, true, where);
                shapes.conv(planes, outplanes, 1, 1, 0, outSide, true, where);
                if (stride > 1 || inplanes != outplanes) shapes.conv(inplanes, outplanes, 1, 1, 0, outSide, true, where + " downsample");
                inplanes = outplanes;
                side = outSide;
            }
        }
        out.addAll(byShape.values());
        int channels = v.resnetOutputWidth(), tokens = side * side + 1;
        long[] map = {batch, side, side, channels};
        out.add(new Block("attention_pool", "image", "B" + batch + " " + side + "x" + side + "x" + channels + " H" + v.resolvedHeads()
                + " embed " + embed, 1, 3 * FlopCounter.attentionPoolMadds(batch, tokens, channels, embed),
                AttentionPool2d.create(store, "visual.attnpool", side, channels, v.resolvedHeads(), embed),
                () -> random(map), new long[]{batch, embed}));
    }

    /** Collects a ResNet's convolutions (each followed by its BatchNorm) by distinct shape. */
    private record ResNetShapes(Map<String, Block> byShape, ParameterStore store, int batch) {
        /** A convolution on a {@code side} x {@code side} map and the BatchNorm of its output. */
        void conv(int in, int out, int k, int stride, int pad, int side, boolean inputGradient, String where) {
            int outSide = (side + 2 * pad - k) / stride + 1;
            String shape = k + "x" + k + (stride > 1 ? " s" + stride : "") + " " + in + "->" + out + " on " + side + "x" + side
                    + " B" + batch + (inputGradient ? "" : " no input grad");
            String convKey = "convolution " + shape;
            Block seen = byShape.get(convKey);
            if (seen != null) {
                byShape.put(convKey, new Block(seen.kind(), seen.tower(), seen.shape(), seen.count() + 1, seen.madds(),
                        seen.layer(), seen.input(), seen.outputShape()));
            } else {
                String name = "bench." + byShape.size();
                Conv2d conv = Conv2d.create(store, name + ".weight", in, out, k, stride, pad);
                if (!inputGradient) conv.withoutInputGradient();
                long[] x = {batch, side, side, in}, y = {batch, outSide, outSide, out};
                double forward = FlopCounter.convMadds(batch, in, out, k, outSide);
                byShape.put(convKey, new Block("convolution", "image", shape + " (" + where + ")", 1,
                        (inputGradient ? 3 : 2) * forward, conv, () -> random(x), y));
            }
            String bnShape = out + " channels on " + outSide + "x" + outSide + " B" + batch;
            String bnKey = "batch_norm " + bnShape;
            Block bn = byShape.get(bnKey);
            if (bn != null) {
                byShape.put(bnKey, new Block(bn.kind(), bn.tower(), bn.shape(), bn.count() + 1, 0, bn.layer(), bn.input(), bn.outputShape()));
            } else {
                long[] y = {batch, outSide, outSide, out};
                // as in the ResNet: normalising a fresh convolution output in place
                byShape.put(bnKey, new Block("batch_norm", "image", bnShape, 1, 0,
                        BatchNorm2d.create(store, "bench.bn" + byShape.size(), out, 1.0).overwritingInput(), () -> random(y), y));
            }
        }
    }

    /** Layers run one after another; backward in reverse. */
    private record Chain(Layer... layers) implements Layer {
        @Override
        public INDArray forward(INDArray x) {
            for (Layer l : layers) x = l.forward(x);
            return x;
        }

        @Override
        public INDArray backward(INDArray dy) {
            for (int i = layers.length - 1; i >= 0; i--) dy = layers[i].backward(dy);
            return dy;
        }
    }

    /** Median wall-clock and calling-thread CPU ms of one forward + backward after the warm-up. */
    private static double[] time(Block b, int steps, int warmup, double warmupSeconds) {
        INDArray x = b.input().get(), dy = random(b.outputShape());
        // BatchNorm overwrites its input, as in the ResNet: every call gets a fresh copy, made before the clock starts
        boolean fresh = b.kind().equals("batch_norm");
        INDArray work = fresh ? x.dup() : x;
        Runnable call = () -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(StepWorkspace.CONFIG, WORKSPACE_ID)) {
                b.layer().forward(work);
                b.layer().backward(dy);
            }
        };
        long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup || System.nanoTime() < end; i++) {
            if (fresh) work.assign(x);
            call.run();
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[] ms = new double[Math.max(1, steps)], cpuMs = new double[ms.length];
        for (int i = 0; i < ms.length; i++) {
            if (fresh) work.assign(x);
            long c0 = cpu.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpuMs[i] = (cpu.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        Arrays.sort(ms);
        Arrays.sort(cpuMs);
        return new double[]{ms[ms.length / 2], cpuMs[ms.length / 2]};
    }

    private static INDArray random(long[] shape) {
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
