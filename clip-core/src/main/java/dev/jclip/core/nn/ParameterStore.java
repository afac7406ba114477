package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * The registry of a model's state: trainable {@link Parameter}s and non-trainable buffers (BatchNorm running
 * statistics, {@code num_batches_tracked}), each keyed by its OpenAI state-dict name. Checkpoint import and
 * export are lookups in this map. Initial values are drawn from a per-name seeded generator, so a
 * parameter's initial value depends on the model seed and its name only, not on creation order.
 *
 * <p>A store made by {@link #forInference} holds given weights instead: each registration takes the tensor of
 * that name (no random draw, no copy when the type matches) and no parameter gets a gradient, so an inference
 * model costs its weights' memory once, not the three copies (initial values, flat values, flat gradients) of a
 * trainable one.
 */
public final class ParameterStore implements Iterable<Parameter> {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();
    private final DataType dtype;
    private final long seed;
    private INDArray flatValues;
    private INDArray flatGrads;
    /** The parameters that have gradients, in the flat buffers' order (all of them until frozen ones are released). */
    private List<Parameter> withGradients = List.of();
    /** The weights an inference store hands out by name; null for a trainable store. */
    private final Map<String, INDArray> weights;

    public ParameterStore(DataType dtype, long seed) {
        this(dtype, seed, null);
    }

    private ParameterStore(DataType dtype, long seed, Map<String, INDArray> weights) {
        this.dtype = dtype;
        this.seed = seed;
        this.weights = weights;
    }

    /**
     * A store whose parameters are the given tensors (OpenAI key names), without gradients. Every registered name
     * must be present with its shape; {@link #checkAllWeightsUsed()} then reports tensors nobody registered.
     */
    public static ParameterStore forInference(Map<String, INDArray> weights, DataType dtype) {
        return new ParameterStore(dtype, 0, new LinkedHashMap<>(weights));
    }

    /** True for a store made by {@link #forInference}: no gradients, not trainable. */
    public boolean isInference() {
        return weights != null;
    }

    public DataType dtype() {
        return dtype;
    }

    /** Registers a parameter filled with zeros. */
    public Parameter zeros(String name, long... shape) {
        if (weights != null) return add(name, given(name, shape));
        return add(name, Nd4j.zeros(dtype, shape));
    }

    /** Registers a parameter filled with {@code value}. */
    public Parameter constant(String name, double value, long... shape) {
        if (weights != null) return add(name, given(name, shape));
        return add(name, Nd4j.zeros(dtype, shape).addi(value));
    }

    /** Registers a parameter drawn from N(0, std^2). */
    public Parameter normal(String name, double std, long... shape) {
        if (weights != null) return add(name, given(name, shape));
        SplittableRandom rng = rngFor(name);
        return add(name, drawn(shape, () -> gaussian(rng) * std));
    }

    /** Registers a parameter drawn from U(-bound, bound) (PyTorch's default Linear/Conv init uses this). */
    public Parameter uniform(String name, double bound, long... shape) {
        if (weights != null) return add(name, given(name, shape));
        SplittableRandom rng = rngFor(name);
        return add(name, drawn(shape, () -> (rng.nextDouble() * 2 - 1) * bound));
    }

    /** Values drawn at a time when a parameter is filled: small enough to stay in the young generation. */
    private static final int DRAW_CHUNK = 1 << 14;

    /**
     * A new array of the store's dtype filled in c order with successive draws, rounded as a cast rounds. It is
     * filled a chunk at a time, not from one Java array of the whole parameter: a ViT-B-32's token embedding as
     * doubles is 202 MB, allocated straight into the old generation, whose pages then stayed resident for the whole
     * run (docs/PERFORMANCE.md, "Random initialisation held 200 MB of the Java heap").
     */
    private INDArray drawn(long[] shape, DoubleSupplier draw) {
        INDArray a = Nd4j.createUninitialized(dtype, shape);
        long n = a.length();
        double[] chunk = new double[(int) Math.min(n, DRAW_CHUNK)];
        float[] rounded = dtype == DataType.FLOAT ? new float[chunk.length] : null;
        for (long from = 0; from < n; from += chunk.length) {
            int len = (int) Math.min(chunk.length, n - from);
            for (int i = 0; i < len; i++) chunk[i] = draw.getAsDouble();
            int at = Math.toIntExact(a.offset() + from);
            if (dtype == DataType.FLOAT) {
                for (int i = 0; i < len; i++) rounded[i] = (float) chunk[i];
                a.data().asNioFloat().put(at, rounded, 0, len);
            } else if (dtype == DataType.DOUBLE) {
                a.data().asNioDouble().put(at, chunk, 0, len);
            } else {
                for (int i = 0; i < len; i++) a.data().put(at + i, chunk[i]);
            }
        }
        return a;
    }

    /** Registers an existing array as a parameter (it must have the store's dtype). */
    public Parameter add(String name, INDArray value) {
        if (flatValues != null) throw new IllegalStateException("store is already flattened; cannot add " + name);
        if (params.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name: " + name);
        }
        if (value.dataType() != dtype) value = value.castTo(dtype);
        Parameter p = new Parameter(name, value, weights == null);
        params.put(name, p);
        return p;
    }

    /** Registers a non-trainable buffer (kept in the state dict, never in the optimiser). */
    public INDArray buffer(String name, INDArray value) {
        if (params.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalArgumentException("duplicate state name: " + name);
        }
        if (weights != null) value = given(name, value.shape()).castTo(value.dataType());
        buffers.put(name, value);
        return value;
    }

    public Parameter get(String name) {
        Parameter p = params.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter named '" + name + "'");
        return p;
    }

    public boolean contains(String name) {
        return params.containsKey(name) || buffers.containsKey(name);
    }

    public Collection<Parameter> parameters() {
        return Collections.unmodifiableCollection(params.values());
    }

    public Map<String, INDArray> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    @Override
    public Iterator<Parameter> iterator() {
        return parameters().iterator();
    }

    /** Number of trainable scalars (open_clip's parameter count; buffers excluded). */
    public long count() {
        long n = 0;
        for (Parameter p : params.values()) n += p.size();
        return n;
    }

    /** Number of scalars in parameters whose name starts with {@code prefix}. */
    public long count(String prefix) {
        long n = 0;
        for (Parameter p : params.values()) if (p.name().startsWith(prefix)) n += p.size();
        return n;
    }

    public void zeroGrad() {
        if (weights != null) return;
        if (flatGrads != null) {
            flatGrads.assign(0);
        } else {
            for (Parameter p : params.values()) p.zeroGrad();
        }
    }

    /**
     * Frees the flat value and gradient buffers (an inference store: the weights it was given) and the buffers;
     * every parameter is unusable afterwards.
     */
    public void close() {
        if (weights != null) {
            for (Parameter p : params.values()) {
                if (p.value().closeable()) p.value().close();
            }
        } else {
            if (flatValues == null) throw new IllegalStateException("close() frees the flattened store; flatten() first");
            flatValues.close();
            flatGrads.close();
        }
        for (INDArray b : buffers.values()) {
            if (b.closeable()) b.close();
        }
    }

    /**
     * Moves every parameter and gradient into one contiguous buffer each (each parameter becomes a view), so that
     * whole-model operations (zeroing gradients, optimiser updates, gradient norms) are a handful of large ops
     * instead of a few per parameter. Called once the model is built; registration order defines the layout.
     */
    public void flatten() {
        // an inference store keeps the given tensors as they are: nothing is updated, so nothing needs one buffer
        if (flatValues != null || weights != null) return;
        long total = count();
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            flatValues = Nd4j.create(dtype, total);
            flatGrads = Nd4j.zeros(dtype, total);
            long offset = 0;
            for (Parameter p : params.values()) {
                long n = p.size();
                long[] shape = p.value().shape();
                INDArray v = view(flatValues, offset, n, shape);
                INDArray g = view(flatGrads, offset, n, shape);
                INDArray oldValue = p.value(), oldGrad = p.grad();
                v.assign(oldValue);
                g.assign(oldGrad);
                p.rebind(v, g);
                // free the replaced arrays now rather than at some later collection: for ViT-B/32 they are 1.2 GB
                if (oldValue.closeable()) oldValue.close();
                if (oldGrad.closeable()) oldGrad.close();
                offset += n;
            }
        }
        // The freed arrays stay resident under tcmalloc as the launcher runs it (TCMALLOC_RELEASE_RATE=0), in pieces a
        // model-sized allocation reuses only when they happen to lie side by side: ViT-B-32's AdamW moments came on top
        // of them in some runs (peak 3.7 GB instead of 3.2; docs/PERFORMANCE.md). Handed back now.
        dev.jclip.core.FreeMemoryRelease.release();
        withGradients = List.copyOf(params.values());
    }

    /**
     * Gives up the gradients of the parameters that are not trainable now (locked towers or groups): the store is
     * laid out again with the trainable parameters first, in registration order, and the gradient buffer covers
     * only them, so a locked parameter costs its value and nothing else (and an optimiser built afterwards keeps
     * no state for it). One way: a parameter released here cannot be made trainable again. Values keep their
     * bits; the previous flat buffers are freed.
     */
    public void releaseFrozenGradients() {
        if (weights != null) return;
        if (flatValues == null) throw new IllegalStateException("releaseFrozenGradients() needs the flattened store; flatten() first");
        List<Parameter> trainable = new ArrayList<>(), frozen = new ArrayList<>();
        for (Parameter p : params.values()) (p.trainable() ? trainable : frozen).add(p);
        if (frozen.isEmpty()) return;
        long gradLength = 0;
        for (Parameter p : trainable) gradLength += p.size();
        INDArray oldValues = flatValues, oldGrads = flatGrads;
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray values = Nd4j.create(dtype, count());
            // ND4J cannot make a zero-length buffer; an empty gradient vector is a 1-element one nobody views
            INDArray grads = Nd4j.zeros(dtype, Math.max(1, gradLength));
            long offset = 0;
            for (Parameter p : trainable) {
                INDArray v = view(values, offset, p.size(), p.value().shape());
                INDArray g = view(grads, offset, p.size(), p.value().shape());
                v.assign(p.value());
                g.assign(p.grad());
                p.rebind(v, g);
                offset += p.size();
            }
            for (Parameter p : frozen) {
                INDArray v = view(values, offset, p.size(), p.value().shape());
                v.assign(p.value());
                p.rebind(v, null);
                offset += p.size();
            }
            flatValues = values;
            flatGrads = grads;
        }
        oldValues.close();
        oldGrads.close();
        withGradients = List.copyOf(trainable);
    }

    /** The parameters that have a gradient, in the order of {@link #flatGrads()} (empty until {@link #flatten()}). */
    public List<Parameter> withGradients() {
        return withGradients;
    }

    /** The values of {@link #withGradients()}: the first {@code flatGrads().length()} entries of {@link #flatValues()}. */
    public INDArray valuesWithGradients() {
        long n = 0;
        for (Parameter p : withGradients) n += p.size();
        return n == flatValues.length() ? flatValues : flatValues.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n));
    }

    /** Scalars that have a gradient buffer (the trainable ones once frozen gradients are released). */
    public long gradientCount() {
        long n = 0;
        for (Parameter p : withGradients) n += p.size();
        return n;
    }

    private static INDArray view(INDArray flat, long offset, long n, long[] shape) {
        INDArray slice = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + n));
        INDArray v = shape.length == 0 ? slice.reshape() : slice.reshape('c', shape);
        if (v.data().pointer().address() != flat.data().pointer().address() && v.data().originalDataBuffer() == null
                && v.data() != flat.data()) {
            throw new IllegalStateException("reshape copied a flat-buffer slice");
        }
        return v;
    }

    /** All parameter values in registration order, one contiguous vector (null until {@link #flatten()}). */
    public INDArray flatValues() {
        return flatValues;
    }

    /** All gradients, laid out as {@link #flatValues()} (null until {@link #flatten()}). */
    public INDArray flatGrads() {
        return flatGrads;
    }

    /** Parameters and buffers in registration order: the live arrays, not copies. */
    public Map<String, INDArray> stateDict() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Parameter p : params.values()) out.put(p.name(), p.value());
        out.putAll(buffers);
        return out;
    }

    /**
     * Copies tensors into the live state. With {@code strict}, a missing or unexpected key is an error naming it;
     * a shape mismatch is always an error naming the key and both shapes. Values are cast to each target's dtype.
     */
    public void load(Map<String, INDArray> state, boolean strict) {
        List<String> missing = new ArrayList<>();
        Map<String, INDArray> live = stateDict();
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            INDArray src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
                continue;
            }
            INDArray dst = e.getValue();
            if (!Arrays.equals(squeezeScalar(src.shape()), squeezeScalar(dst.shape()))) {
                throw new IllegalArgumentException("shape mismatch for '" + e.getKey() + "': checkpoint "
                        + Arrays.toString(src.shape()) + ", model " + Arrays.toString(dst.shape()));
            }
            dst.assign(src.dataType() == dst.dataType() ? src.reshape(dst.shape()) : src.castTo(dst.dataType()).reshape(dst.shape()));
        }
        if (strict) {
            if (!missing.isEmpty()) throw new IllegalArgumentException("checkpoint is missing keys: " + missing);
            List<String> unexpected = new ArrayList<>();
            for (String k : state.keySet()) if (!live.containsKey(k)) unexpected.add(k);
            if (!unexpected.isEmpty()) throw new IllegalArgumentException("checkpoint has unexpected keys: " + unexpected);
        }
    }

    /** The given tensor {@code name}, removed from the pending weights, checked against {@code shape}. */
    private INDArray given(String name, long[] shape) {
        INDArray w = weights.remove(name);
        if (w == null) throw new IllegalArgumentException("checkpoint is missing key '" + name + "'");
        if (!Arrays.equals(squeezeScalar(w.shape()), squeezeScalar(shape))) {
            throw new IllegalArgumentException("shape mismatch for '" + name + "': checkpoint "
                    + Arrays.toString(w.shape()) + ", model " + Arrays.toString(shape));
        }
        return Arrays.equals(w.shape(), shape) ? w : w.reshape(shape);
    }

    /** For an inference store: fails naming the given tensors that no layer registered (a wrong architecture). */
    public void checkAllWeightsUsed() {
        if (weights != null && !weights.isEmpty()) {
            throw new IllegalArgumentException("checkpoint has unexpected keys: " + weights.keySet());
        }
    }

    private static long[] squeezeScalar(long[] shape) {
        return shape.length == 1 && shape[0] == 1 ? new long[0] : shape;
    }

    SplittableRandom rngFor(String name) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode() * 0xC2B2AE3D27D4EB4FL);
    }

    /**
     * A standard normal draw: Box-Muller from a splittable generator (java.util.Random's nextGaussian is not
     * splittable-friendly). Also for seeded random data that must not come from ND4J's generator, which ignores seed 0.
     */
    public static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        if (u1 < 1e-300) u1 = 1e-300;
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
