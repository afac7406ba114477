package dev.jclip.train.optim;

import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay, computing exactly what {@code torch.optim.AdamW} (amsgrad off) computes:
 * <pre>
 *   p  *= 1 - lr * wd                      (only where the parameter decays)
 *   m   = b1 * m + (1 - b1) * g
 *   v   = b2 * v + (1 - b2) * g^2
 *   p  -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Frozen parameters ({@link Parameter#trainable()} false) are skipped entirely. Which parameters decay follows
 * {@link Parameter#decay()} (open_clip's rule) unless {@link Hyper#decayAll()} is set. The step counter is shared
 * by all parameters: every trainable parameter is updated on every step.
 */
public final class AdamW {

    /**
     * Hyper-parameters other than the learning rate (which a schedule supplies each step).
     *
     * @param decayAll apply weight decay to every parameter, ignoring {@link Parameter#decay()}
     */
    public record Hyper(double beta1, double beta2, double eps, double weightDecay, boolean decayAll) {
        public Hyper {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            if (!(eps > 0)) throw new IllegalArgumentException("eps must be positive, got " + eps);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }

        /** CLIP's ViT settings (open_clip / the paper): betas (0.9, 0.98), eps 1e-6, weight decay 0.2. */
        public static Hyper vit() {
            return new Hyper(0.9, 0.98, 1e-6, 0.2, false);
        }

        /** CLIP's ResNet settings: betas (0.9, 0.999), eps 1e-8, weight decay 0.2. */
        public static Hyper resnet() {
            return new Hyper(0.9, 0.999, 1e-8, 0.2, false);
        }
    }

    /** The paper's default peak learning rate for ViT and ResNet models alike. */
    public static final double DEFAULT_LR = 5e-4;

    private final List<Parameter> params;
    /** The store's parameters without a gradient buffer (locked): no state, and a checkpoint's moments for them are skipped. */
    private final java.util.Set<String> lockedNames = new java.util.HashSet<>();
    private final Hyper hyper;
    private final Map<String, INDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, INDArray> expAvgSq = new LinkedHashMap<>();
    private long step;
    private final FlatState flat;

    /** Optimises the given parameters; their trainable flag is read on every step. */
    public AdamW(Collection<Parameter> params, Hyper hyper) {
        this.params = List.copyOf(params);
        this.hyper = hyper;
        this.flat = null;
    }

    /**
     * Optimises every parameter of a store. When the store is flattened ({@link ParameterStore#flatten()}), the
     * update runs as a dozen whole-model vector operations instead of about ten per parameter (with ~150
     * parameters that was the largest single cost of a small model's step), with the same arithmetic.
     */
    public AdamW(ParameterStore store, Hyper hyper) {
        // a flattened store's locked parameters (released gradients) get no moments at all
        this.params = store.flatValues() == null ? List.copyOf(store.parameters()) : store.withGradients();
        this.hyper = hyper;
        this.flat = store.flatValues() == null ? null : new FlatState(store);
        for (Parameter p : store.parameters()) if (!p.hasGrad()) lockedNames.add(p.name());
        if (flat != null) {
            for (Parameter p : params) {
                expAvg.put(p.name(), flat.viewOf(flat.m, p));
                expAvgSq.put(p.name(), flat.viewOf(flat.v, p));
            }
        }
    }

    /**
     * Moments and scratch space laid out like the store's flat gradient buffer: the parameters that have
     * gradients ({@link ParameterStore#withGradients()}), whose values are the first entries of the flat values.
     */
    private static final class FlatState {
        final ParameterStore store;
        final List<Parameter> params;
        final INDArray values;
        final INDArray m, v;
        INDArray scratch, decayMask, trainMask; // for the all-ND4J path only (created on first use)
        final Map<String, Long> offsets = new LinkedHashMap<>();
        final long[] ends;                      // exclusive end offset of each parameter in the flat buffers
        int flagsHash = Integer.MIN_VALUE;
        boolean anyFrozen;

        FlatState(ParameterStore store) {
            this.store = store;
            this.params = store.withGradients();
            this.values = store.valuesWithGradients();
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                m = Nd4j.zeros(values.dataType(), values.length());
                v = Nd4j.zeros(values.dataType(), values.length());
            }
            ends = new long[params.size()];
            long offset = 0;
            int i = 0;
            for (Parameter p : params) {
                offsets.put(p.name(), offset);
                offset += p.size();
                ends[i++] = offset;
            }
        }

        INDArray viewOf(INDArray buffer, Parameter p) {
            long off = offsets.get(p.name());
            INDArray slice = buffer.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(off, off + p.size()));
            return p.value().rank() == 0 ? slice.reshape() : slice.reshape('c', p.value().shape());
        }

        /** Rebuilds the masks when a parameter's trainable flag changed (locking a tower). */
        void refreshMasks(Hyper hyper) {
            int h = 1;
            for (Parameter p : params) h = 31 * h + (p.trainable() ? 1 : 0);
            if (h == flagsHash) return;
            flagsHash = h;
            if (scratch == null) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    scratch = Nd4j.zeros(values.dataType(), values.length());
                    decayMask = Nd4j.zeros(values.dataType(), values.length());
                    trainMask = Nd4j.zeros(values.dataType(), values.length());
                }
            }
            anyFrozen = false;
            for (Parameter p : params) {
                boolean decays = p.trainable() && (hyper.decayAll() || p.decay());
                viewOf(decayMask, p).assign(decays ? 1 : 0);
                viewOf(trainMask, p).assign(p.trainable() ? 1 : 0);
                anyFrozen |= !p.trainable();
            }
        }
    }

    /** Values of optimiser state held (both moments): twice the parameters that have gradients. */
    public long stateSize() {
        if (flat != null) return flat.m.length() + flat.v.length();
        long n = 0;
        for (Parameter p : params) if (p.trainable()) n += 2 * p.size();
        return n;
    }

    public Hyper hyper() {
        return hyper;
    }

    /** Number of steps taken so far (PyTorch's {@code state['step']}). */
    public long stepCount() {
        return step;
    }

    /** Applies one update with learning rate {@code lr} using the parameters' accumulated gradients. */
    public void step(double lr) {
        step++;
        double biasCorrection1 = 1 - Math.pow(hyper.beta1(), step);
        double biasCorrection2 = 1 - Math.pow(hyper.beta2(), step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        if (flat != null) {
            flatStep(lr, stepSize, biasCorrection2Sqrt);
            return;
        }
        for (Parameter p : params) {
            if (!p.trainable()) continue;
            INDArray value = p.value();
            INDArray grad = p.grad();
            if (hyper.weightDecay() != 0 && (hyper.decayAll() || p.decay())) {
                value.muli(1 - lr * hyper.weightDecay());
            }
            INDArray m = expAvg.computeIfAbsent(p.name(), k -> zerosLike(value));
            INDArray v = expAvgSq.computeIfAbsent(p.name(), k -> zerosLike(value));
            m.muli(hyper.beta1()).addi(grad.mul(1 - hyper.beta1()));
            v.muli(hyper.beta2()).addi(grad.mul(grad).muli(1 - hyper.beta2()));
            INDArray denom = Transforms.sqrt(v, true).divi(biasCorrection2Sqrt).addi(hyper.eps());
            value.subi(m.div(denom).muli(stepSize));
        }
    }

    private void flatStep(double lr, double stepSize, double biasCorrection2Sqrt) {
        FlatState f = flat;
        INDArray value = f.values;
        INDArray grad = f.store.flatGrads();
        if (CpuKernels.applies(value, grad, f.m, f.v)) {
            // one fused pass on the CPU; same formulas, without the masks and scratch arrays
            float[] keep = new float[f.ends.length];
            boolean[] frozen = new boolean[f.ends.length];
            int i = 0;
            for (Parameter p : f.params) {
                frozen[i] = !p.trainable();
                boolean decays = hyper.weightDecay() != 0 && (hyper.decayAll() || p.decay());
                keep[i++] = decays ? (float) (1 - lr * hyper.weightDecay()) : 1f;
            }
            CpuKernels.adamW(value, grad, f.m, f.v, f.ends, keep, frozen, (float) hyper.beta1(), (float) hyper.beta2(),
                    (float) stepSize, (float) biasCorrection2Sqrt, (float) hyper.eps());
            return;
        }
        f.refreshMasks(hyper);
        INDArray scratch = f.scratch;
        if (hyper.weightDecay() != 0) {
            // p *= 1 - lr * wd * mask
            scratch.assign(f.decayMask).muli(-lr * hyper.weightDecay()).addi(1.0);
            value.muli(scratch);
        }
        if (f.anyFrozen) grad.muli(f.trainMask); // frozen parameters keep zero moments
        f.m.muli(hyper.beta1()).addi(scratch.assign(grad).muli(1 - hyper.beta1()));
        f.v.muli(hyper.beta2()).addi(scratch.assign(grad).muli(grad).muli(1 - hyper.beta2()));
        // denom = sqrt(v) / sqrt(bc2) + eps; p -= stepSize * m / denom
        Transforms.sqrt(scratch.assign(f.v), false).divi(biasCorrection2Sqrt).addi(hyper.eps());
        scratch.rdivi(f.m).muli(stepSize);
        if (f.anyFrozen) scratch.muli(f.trainMask);
        value.subi(scratch);
    }

    /**
     * The optimiser's tensors keyed {@code exp_avg.NAME} and {@code exp_avg_sq.NAME} (the live arrays; callers
     * that keep them must copy). Parameters that were never updated have no entries.
     */
    public Map<String, INDArray> stateTensors() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        expAvg.forEach((k, v) -> out.put("exp_avg." + k, v));
        expAvgSq.forEach((k, v) -> out.put("exp_avg_sq." + k, v));
        return out;
    }

    /**
     * Restores the state written by {@link #stateTensors()} and {@link #stepCount()}. Entries for unknown
     * parameters, or with the wrong shape, are errors naming the key.
     */
    public void restore(long stepCount, Map<String, INDArray> tensors) {
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Parameter p : params) byName.put(p.name(), p);
        if (flat == null) {
            expAvg.clear();
            expAvgSq.clear();
        } else {
            flat.m.assign(0);
            flat.v.assign(0);
        }
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String key = e.getKey();
            boolean first = key.startsWith("exp_avg.");
            if (!first && !key.startsWith("exp_avg_sq.")) {
                throw new IllegalArgumentException("optimizer state has unexpected key '" + key + "'");
            }
            String name = key.substring(first ? "exp_avg.".length() : "exp_avg_sq.".length());
            Parameter p = byName.get(name);
            // moments of a parameter locked in this run (a checkpoint of a run that trained it): nothing to update
            if (p == null && lockedNames.contains(name)) continue;
            if (p == null) throw new IllegalArgumentException("optimizer state '" + key + "' names no parameter of the model");
            if (e.getValue().length() != p.value().length()) {
                throw new IllegalArgumentException("optimizer state '" + key + "' has " + e.getValue().length()
                        + " values, parameter has " + p.value().length());
            }
            INDArray restored = e.getValue().reshape(p.value().shape()).castTo(p.value().dataType());
            if (flat != null) {
                flat.viewOf(first ? flat.m : flat.v, p).assign(restored);
                continue;
            }
            INDArray copy = zerosLike(p.value());
            copy.assign(restored);
            (first ? expAvg : expAvgSq).put(name, copy);
        }
        this.step = stepCount;
    }

    /** Optimiser state lives across steps, so it must never be allocated inside a step's workspace. */
    private static INDArray zerosLike(INDArray a) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.zeros(a.dataType(), a.shape());
        }
    }
}
