package dev.jclip.train;

import dev.jclip.data.loader.Batch;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Time per optimiser step with and without feature-caching accumulation (the second forward pass is its cost).
 * Gated: {@code mvn -pl clip-train -am test -Dtest=AccumulationBenchmark -Djclip.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "jclip.bench", matches = "true")
class AccumulationBenchmark {
    @Test
    void stepTimes() {
        String model = System.getProperty("jclip.bench.model", "ViT-tiny");
        int batch = Integer.getInteger("jclip.bench.batch", 64);
        int steps = Integer.getInteger("jclip.bench.steps", 10);
        ClipConfig cfg = ClipConfig.preset(model);
        Batch b = FeatureCachedStepTest.randomBatch(cfg, batch, 1);
        for (int accum : new int[]{1, 2, 4, 1, 2, 4}) {   // twice, interleaved, to expose load changes
            try (ClipModel m = ClipModel.create(cfg, 0)) {
                for (int i = 0; i < 2; i++) FeatureCachedStep.run(m, b, accum);   // warm-up
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    m.parameters().zeroGrad();
                    FeatureCachedStep.run(m, b, accum);
                }
                double ms = (System.nanoTime() - t0) / 1e6 / steps;
                System.out.printf("BENCH %s batch %d accum-freq %d: %.1f ms/step, %.0f samples/s%n", model, batch, accum,
                        ms, batch / ms * 1000);
            }
        }
    }
}
