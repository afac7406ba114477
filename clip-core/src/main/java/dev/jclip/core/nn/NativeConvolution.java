package dev.jclip.core.nn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which backward pass {@link Conv2d} uses. libnd4j's {@code conv2d_bp} is 3-10x faster than the written-out
 * im2col/gemm/col2im version when libnd4j was built with oneDNN (the {@code *-onednn*} classifiers of nd4j-native),
 * and about 2x slower without it. The system property {@code jclip.conv2d.backward} ({@code native} or
 * {@code columns}) forces a choice; otherwise a oneDNN build is recognised by its binding folder on the class path
 * ({@code org/nd4j/linalg/cpu/nativecpu/bindings/<platform>-onednn...}), since nd4j-api offers no query for it.
 */
public final class NativeConvolution {
    private static final Logger LOG = LoggerFactory.getLogger(NativeConvolution.class);
    public static final String PROPERTY = "jclip.conv2d.backward";
    private static final boolean FAST_BACKWARD = decide();

    private NativeConvolution() {
    }

    /** True when Conv2d should call libnd4j's conv2d_bp. */
    public static boolean fastBackward() {
        return FAST_BACKWARD;
    }

    private static boolean decide() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null) {
            if (forced.equals("native")) return true;
            if (forced.equals("columns")) return false;
            throw new IllegalArgumentException("system property " + PROPERTY + " must be 'native' or 'columns', got '" + forced + "'");
        }
        boolean oneDnn = oneDnnOnClassPath();
        LOG.debug("libnd4j with oneDNN on the class path: {}; Conv2d backward uses {}", oneDnn, oneDnn ? "conv2d_bp" : "columns");
        return oneDnn;
    }

    private static boolean oneDnnOnClassPath() {
        String os = System.getProperty("os.name", "").toLowerCase().startsWith("linux") ? "linux"
                : System.getProperty("os.name", "").toLowerCase().startsWith("mac") ? "macosx" : "windows";
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "arm64";
            default -> System.getProperty("os.arch", "");
        };
        ClassLoader loader = NativeConvolution.class.getClassLoader();
        for (String ext : new String[]{"-onednn", "-onednn-avx2", "-onednn-avx512"}) {
            if (loader.getResource("org/nd4j/linalg/cpu/nativecpu/bindings/" + os + "-" + arch + ext + "/") != null) return true;
        }
        return false;
    }
}
