package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times the ModifiedResNet image tower (training mode, float32): forward and forward+backward per batch.
 * Not a test; run by hand (see docs/perf/resnet.md):
 * {@code java -cp <test classpath> dev.jclip.core.model.ResNetBench RN-tiny 64 10 [workspace]}; with
 * {@code workspace} every step runs inside {@link dev.jclip.core.nn.StepWorkspace}, as {@code ClipModel.trainStep}.
 */
public final class ResNetBench {
    private ResNetBench() {
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "RN-tiny";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int iters = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        boolean workspace = args.length > 3 && args[3].equals("workspace");
        ClipConfig cfg = ClipConfig.preset(preset);
        ClipModel model = ClipModel.create(cfg, 1);
        ImageTower visual = model.visual();
        int s = cfg.vision().imageSize();
        INDArray images = Nd4j.randn(DataType.FLOAT, batch, 3, s, s);
        INDArray grad = Nd4j.randn(DataType.FLOAT, batch, cfg.embedDim());
        int warmup = Math.max(1, iters / 5);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double fwd = 0, total = 0, cpu = 0;
        for (int i = 0; i < warmup + iters; i++) {
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            long t1;
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = workspace ? dev.jclip.core.nn.StepWorkspace.open()
                    : Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                visual.forward(images);
                t1 = System.nanoTime();
                visual.backward(grad);
            }
            long t2 = System.nanoTime();
            if (i >= warmup) {
                fwd += (t1 - t0) / 1e6;
                total += (t2 - t0) / 1e6;
                cpu += (os.getProcessCpuTime() - c0) / 1e6;
            }
        }
        for (Parameter p : model.parameters()) p.zeroGrad();
        System.out.printf("%s batch %d (%d iterations after %d warm-up), image tower, training mode, float32%s:%n",
                preset, batch, iters, warmup, workspace ? ", step workspace" : "");
        System.out.printf("  forward %.1f ms, forward+backward %.1f ms (process CPU time %.1f ms), %.1f images/s%n",
                fwd / iters, total / iters, cpu / iters, batch * 1000.0 * iters / total);
    }
}
