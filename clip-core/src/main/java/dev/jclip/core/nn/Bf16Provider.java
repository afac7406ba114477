package dev.jclip.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the {@link Bf16Gemm} on the class path on first use and keeps it, or the reason there is none. */
final class Bf16Provider {
    private static volatile Bf16Gemm gemm;
    private static String problem;

    private Bf16Provider() {
    }

    /** The provider; {@link IllegalStateException} with what is missing, every time, where there is none. */
    static Bf16Gemm get() {
        Bf16Gemm g = gemm;   // every bf16 product asks: no lock once found
        return g != null ? g : load();
    }

    private static synchronized Bf16Gemm load() {
        if (gemm == null && problem == null) {
            List<String> problems = new ArrayList<>();
            var it = ServiceLoader.load(Bf16Gemm.class, Bf16Gemm.class.getClassLoader()).iterator();
            Bf16Gemm found = null;
            while (found == null) {
                try {
                    if (!it.hasNext()) break;
                    found = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    Throwable root = e;
                    while (root.getCause() != null) root = root.getCause();
                    problems.add(root instanceof UnsupportedClassVersionError
                            ? "clip-onednn needs Java 25 (this is Java " + Runtime.version().feature() + ")" : root.getMessage());
                }
            }
            if (found == null) {
                problem = "precision bf16 needs a bf16 matrix product: " + (problems.isEmpty()
                        ? "none on the class path (add dev.jclip:clip-onednn, Java 25; the clip launcher has it when it runs on Java 25)"
                        : String.join("; ", problems));
            }
            gemm = found;
        }
        if (gemm == null) throw new IllegalStateException(problem);
        return gemm;
    }
}
