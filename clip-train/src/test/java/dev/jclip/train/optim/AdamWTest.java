package dev.jclip.train.optim;

import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.train.Fixtures;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import dev.jclip.train.checkpoint.TensorFile;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    /** One step against torch.optim.AdamW's output on the vit-tiny fixture (decay on all parameters). */
    @Test
    void matchesPyTorchAdamWStepOnFixture() throws Exception {
        TensorFile io = new SafeTensorsFile();
        Map<String, INDArray> before = io.read(Fixtures.vitTiny("model.safetensors")).tensors();
        Map<String, INDArray> grads = io.read(Fixtures.vitTiny("grads.safetensors")).tensors();
        Map<String, INDArray> after = io.read(Fixtures.vitTiny("params_after_step.safetensors")).tensors();
        assertEquals(before.keySet(), after.keySet());

        ParameterStore store = new ParameterStore(DataType.FLOAT, 0);
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            Parameter p = store.add(e.getKey(), e.getValue().dup());
            p.grad().assign(grads.get(e.getKey()));
        }
        AdamW opt = new AdamW(store.parameters(), new AdamW.Hyper(0.9, 0.98, 1e-6, 0.2, true));
        opt.step(1e-3);

        double worst = 0;
        String worstName = null;
        for (Parameter p : store) {
            double[] got = p.value().dup().data().asDouble();
            double[] want = after.get(p.name()).dup().data().asDouble();
            double[] was = before.get(p.name()).dup().data().asDouble();
            assertEquals(want.length, got.length, p.name());
            for (int i = 0; i < got.length; i++) {
                // Relative to the parameter's magnitude; the floor keeps values that cross zero comparable.
                double rel = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-2);
                if (rel > worst) {
                    worst = rel;
                    worstName = p.name() + "[" + i + "]";
                }
                assertTrue(got[i] != was[i] || grads.get(p.name()).getDouble(i) == 0, "parameter did not move: " + p.name());
            }
        }
        System.out.println("AdamW vs torch.optim.AdamW on the vit-tiny fixture: worst relative error " + worst + " at " + worstName);
        assertTrue(worst < 1e-5, "worst relative error " + worst + " at " + worstName);
        assertEquals(1, opt.stepCount());
    }

    /** The flattened store's whole-model update equals the per-parameter one, step for step, frozen tower included. */
    @Test
    void flatUpdateEqualsPerParameterUpdate() {
        flatUpdateMatchesPerParameterUpdate(DataType.DOUBLE, new long[]{3, 4}, 4, new long[]{2, 2}, 1, 1e-15);
    }

    /**
     * The fused float update over a flattened store (one pass on the kernel threads) against the per-parameter ND4J
     * update: parameters that straddle the kernel's 8192-element chunks, a tower frozen mid-way, two threads.
     */
    @Test
    void fusedFloatUpdateMatchesPerParameterUpdate() {
        flatUpdateMatchesPerParameterUpdate(DataType.FLOAT, new long[]{100, 90}, 4000, new long[]{70, 70}, 2, 1e-6);
    }

    private static void flatUpdateMatchesPerParameterUpdate(DataType dtype, long[] projShape, long biasLength,
                                                            long[] textShape, int threads, double tolerance) {
        ParameterStore a = new ParameterStore(dtype, 3);
        ParameterStore b = new ParameterStore(dtype, 3);
        for (ParameterStore s : new ParameterStore[]{a, b}) {
            s.normal("visual.proj", 0.5, projShape);
            s.normal("visual.ln_post.bias", 0.5, biasLength);
            s.normal("text_projection", 0.5, textShape);
            s.constant("logit_scale", 2.0);
        }
        b.flatten();
        // float stores take the fused CPU update, double ones the ND4J ops: make sure the intended path is tested
        assertEquals(dtype == DataType.FLOAT, CpuKernels.applies(b.flatValues(), b.flatGrads()));
        AdamW perParam = new AdamW(a.parameters(), AdamW.Hyper.vit());
        AdamW flat = new AdamW(b, AdamW.Hyper.vit());
        int threadsBefore = Nd4j.getEnvironment().maxThreads();
        Nd4j.getEnvironment().setMaxThreads(threads);
        try {
            Random r = new Random(5);
            for (int step = 1; step <= 4; step++) {
                boolean freeze = step >= 3;
                a.get("text_projection").setTrainable(!freeze);
                b.get("text_projection").setTrainable(!freeze);
                for (Parameter p : a) {
                    INDArray g = Nd4j.rand(dtype, p.value().shape()).subi(0.5).muli(r.nextDouble());
                    p.grad().assign(p.trainable() ? g : g.muli(0));
                    b.get(p.name()).grad().assign(p.grad());
                }
                perParam.step(1e-2);
                flat.step(1e-2);
                for (Parameter p : a) {
                    double diff = p.value().sub(b.get(p.name()).value()).amaxNumber().doubleValue();
                    assertTrue(diff < tolerance, p.name() + " differs by " + diff + " at step " + step);
                }
            }
        } finally {
            Nd4j.getEnvironment().setMaxThreads(threadsBefore);
        }
        assertEquals(perParam.stateTensors().keySet().size(), flat.stateTensors().keySet().size());
    }

    /** Several steps against a naive double-precision implementation, with open_clip's decay rule and a frozen parameter. */
    @Test
    void matchesNaiveReferenceOverStepsWithDecayRuleAndFrozenParameter() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE, 7);
        Parameter w = store.normal("visual.proj", 0.5, 3, 4);       // decays
        Parameter b = store.normal("visual.ln_post.bias", 0.5, 4);   // no decay (bias, rank 1)
        Parameter frozen = store.normal("text_projection", 0.5, 2, 2);
        frozen.setTrainable(false);
        INDArray frozenBefore = frozen.value().dup();
        AdamW.Hyper h = new AdamW.Hyper(0.9, 0.999, 1e-8, 0.1, false);
        AdamW opt = new AdamW(store.parameters(), h);

        Naive nw = new Naive(w.value().data().asDouble(), true, h);
        Naive nb = new Naive(b.value().data().asDouble(), false, h);
        Random rnd = new Random(3);
        double[] lrs = {1e-2, 5e-3, 2e-2, 1e-3, 7e-3};
        for (double lr : lrs) {
            for (Parameter p : store) p.grad().assign(Nd4j.randn(rnd.nextLong(), p.value().shape()).castTo(DataType.DOUBLE));
            nw.step(lr, w.grad().data().asDouble());
            nb.step(lr, b.grad().data().asDouble());
            opt.step(lr);
        }
        assertArrayEquals(nw.p, w.value().data().asDouble(), 1e-12);
        assertArrayEquals(nb.p, b.value().data().asDouble(), 1e-12);
        assertEquals(frozenBefore, frozen.value());
        assertEquals(lrs.length, opt.stepCount());
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        ParameterStore a = new ParameterStore(DataType.FLOAT, 1);
        Parameter pa = a.normal("visual.proj", 1, 5, 3);
        ParameterStore b = new ParameterStore(DataType.FLOAT, 1);
        Parameter pb = b.normal("visual.proj", 1, 5, 3);
        AdamW oa = new AdamW(a.parameters(), AdamW.Hyper.vit());
        for (int s = 0; s < 3; s++) {
            pa.grad().assign(Nd4j.randn(s, new long[]{5, 3}).castTo(DataType.FLOAT));
            oa.step(1e-2);
        }
        pb.value().assign(pa.value());
        AdamW ob = new AdamW(b.parameters(), AdamW.Hyper.vit());
        ob.restore(oa.stepCount(), oa.stateTensors());
        INDArray g = Nd4j.randn(99, new long[]{5, 3}).castTo(DataType.FLOAT);
        pa.grad().assign(g);
        pb.grad().assign(g);
        oa.step(1e-2);
        ob.step(1e-2);
        assertEquals(pa.value(), pb.value());
    }

    /** The textbook algorithm, element by element in double. */
    private static final class Naive {
        final double[] p;
        final double[] m;
        final double[] v;
        final boolean decay;
        final AdamW.Hyper h;
        int t;

        Naive(double[] p, boolean decay, AdamW.Hyper h) {
            this.p = p.clone();
            this.m = new double[p.length];
            this.v = new double[p.length];
            this.decay = decay;
            this.h = h;
        }

        void step(double lr, double[] g) {
            t++;
            for (int i = 0; i < p.length; i++) {
                if (decay) p[i] -= lr * h.weightDecay() * p[i];
                m[i] = h.beta1() * m[i] + (1 - h.beta1()) * g[i];
                v[i] = h.beta2() * v[i] + (1 - h.beta2()) * g[i] * g[i];
                double mhat = m[i] / (1 - Math.pow(h.beta1(), t));
                double vhat = v[i] / (1 - Math.pow(h.beta2(), t));
                p[i] -= lr * mhat / (Math.sqrt(vhat) + h.eps());
            }
        }
    }
}
