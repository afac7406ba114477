package dev.jclip.core;

import org.bytedeco.javacpp.Pointer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a JVM of its own by {@link FreeMemoryReleaseTest}: mallocs and touches 256 MB in 4 MB blocks, frees them,
 * then (unless the argument is "keep") calls {@link FreeMemoryRelease#release()}, printing the resident set at each
 * point.
 */
public final class FreeMemoryReleaseProbe {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("model")) {
            createModel();
            return;
        }
        long block = 4L << 20;
        Pointer[] blocks = new Pointer[64];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = Pointer.malloc(block);
            Pointer.memset(blocks[i], 1, block);
        }
        long full = residentKb();
        for (Pointer p : blocks) Pointer.free(p);
        long freed = residentKb();
        boolean released = args.length > 0 && args[0].equals("keep") ? false : FreeMemoryRelease.release();
        long after = residentKb();
        System.out.println("PROBE available=" + FreeMemoryRelease.available() + " released=" + released
                + " full=" + full + " freed=" + freed + " after=" + after);
    }

    /** A model of about 50M parameters: the resident set it adds, against its flat value and gradient buffers. */
    private static void createModel() throws Exception {
        org.nd4j.linalg.factory.Nd4j.create(1);   // the native libraries loaded first
        long before = residentKb();
        dev.jclip.core.config.ClipConfig cfg = dev.jclip.core.config.ClipConfig.parse("{\"embed_dim\": 512, \"vision_cfg\":"
                + " {\"image_size\": 64, \"layers\": 8, \"width\": 512, \"patch_size\": 16}, \"text_cfg\": {\"context_length\": 32,"
                + " \"vocab_size\": 1000, \"width\": 512, \"heads\": 8, \"layers\": 8}}", "probe");
        try (dev.jclip.core.model.ClipModel model = dev.jclip.core.model.ClipModel.create(cfg, 1)) {
            long after = residentKb();
            System.out.println("PROBE model added=" + (after - before) + " flat=" + model.parameters().count() * 4 * 2 / 1024);
        }
    }

    private static long residentKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
