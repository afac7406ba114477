package dev.jclip.core.nn;

import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ResNet layers' backward passes against central finite differences (double precision), and forward references. */
class ResNetLayerGradientTest {
    private static final double TOL = 1e-5;

    private static ParameterStore store() {
        return new ParameterStore(DataType.DOUBLE, 5);
    }

    private static INDArray randn(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    /** Loss = sum(layer(x) * r) for a fixed random r; checks the input gradient and every parameter's. */
    private static void check(ParameterStore store, Layer layer, INDArray x) {
        INDArray out = layer.forward(x);
        INDArray r = randn(11, out.shape());
        store.zeroGrad();
        INDArray dx = layer.backward(r.dup());
        assertEquals(java.util.Arrays.toString(x.shape()), java.util.Arrays.toString(dx.shape()));
        DoubleSupplier loss = () -> layer.forward(x).mul(r).sumNumber().doubleValue();
        GradCheck.Report input = GradCheck.checkInput(x, dx, loss);
        assertTrue(input.maxRelError() < TOL, "input gradient: " + input);
        GradCheck.Report params = GradCheck.check(store.parameters(), loss, 30, 3);
        assertTrue(params.maxRelError() < TOL, "parameter gradient: " + params);
    }

    /** Direct convolution from the definition, NHWC input and PyTorch's [O, I, k, k] weight. */
    static INDArray naiveConv(INDArray x, INDArray w, int stride, int pad) {
        int b = (int) x.size(0), h = (int) x.size(1), wd = (int) x.size(2), c = (int) x.size(3);
        int o = (int) w.size(0), k = (int) w.size(2);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
        INDArray y = Nd4j.zeros(DataType.DOUBLE, b, oh, ow, o);
        for (int n = 0; n < b; n++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) for (int f = 0; f < o; f++) {
            double acc = 0;
            for (int ch = 0; ch < c; ch++) for (int u = 0; u < k; u++) for (int v = 0; v < k; v++) {
                int yy = i * stride - pad + u, xx = j * stride - pad + v;
                if (yy >= 0 && yy < h && xx >= 0 && xx < wd) acc += x.getDouble(n, yy, xx, ch) * w.getDouble(f, ch, u, v);
            }
            y.putScalar(new long[]{n, i, j, f}, acc);
        }
        return y;
    }

    @Test
    void convMatchesDefinitionAndFiniteDifferences() {
        int[][] cases = {{3, 1, 1}, {3, 2, 1}, {3, 2, 0}, {1, 1, 0}, {1, 2, 0}}; // kernel, stride, padding
        for (int[] c : cases) {
            ParameterStore s = store();
            Conv2d conv = Conv2d.create(s, "conv.weight", 3, 4, c[0], c[1], c[2]);
            INDArray x = randn(7, 2, 5, 6, 3);
            INDArray want = naiveConv(x, s.get("conv.weight").value(), c[1], c[2]);
            double diff = conv.forward(x).sub(want).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, "conv " + java.util.Arrays.toString(c) + " differs from the definition by " + diff);
            check(s, conv, x);
        }
    }

    /** The written-out backward pass against libnd4j's own conv2d_bp (which it replaces for speed). */
    @Test
    void convBackwardEqualsNativeConv2dBp() {
        for (int[] c : new int[][]{{3, 1, 1}, {3, 2, 1}, {1, 2, 0}}) {
            ParameterStore s = store();
            Conv2d conv = Conv2d.create(s, "conv.weight", 3, 5, c[0], c[1], c[2]);
            INDArray x = randn(3, 2, 6, 5, 3);
            INDArray dy = randn(4, conv.forward(x).shape());
            INDArray dx = conv.backward(dy);
            INDArray w = s.get("conv.weight").value();
            INDArray nativeDx = x.ulike(), nativeDw = w.ulike();
            Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, dy)
                    .addOutputs(nativeDx, nativeDw).addIntegerArguments(c[0], c[0], c[1], c[1], c[2], c[2], 1, 1, 0, 1, 1).build());
            assertTrue(dx.sub(nativeDx).amaxNumber().doubleValue() < 1e-12, "dx " + java.util.Arrays.toString(c));
            assertTrue(s.get("conv.weight").grad().sub(nativeDw).amaxNumber().doubleValue() < 1e-12, "dw " + java.util.Arrays.toString(c));
        }
    }

    @Test
    void convWithoutInputGradientStillLearns() {
        for (int k : new int[]{1, 3}) {
            ParameterStore s = store();
            Conv2d full = Conv2d.create(s, "a.weight", 2, 3, k, 2, k / 2);
            Conv2d first = new Conv2d(full.weight(), 2, k / 2).withoutInputGradient();
            INDArray x = randn(1, 2, 4, 4, 2);
            INDArray dy = randn(2, full.forward(x).shape());
            full.backward(dy);
            INDArray once = full.weight().grad().dup();
            first.forward(x);
            assertEquals(null, first.backward(dy));
            assertTrue(full.weight().grad().sub(once.mul(2)).amaxNumber().doubleValue() < 1e-12);
        }
    }

    @Test
    void convGradientAccumulates() {
        ParameterStore s = store();
        for (int k : new int[]{1, 3}) {
            Conv2d conv = Conv2d.create(s, "c" + k + ".weight", 2, 3, k, 1, k / 2);
            INDArray x = randn(1, 2, 4, 4, 2);
            INDArray r = randn(2, conv.forward(x).shape());
            s.zeroGrad();
            conv.backward(r);
            INDArray once = conv.weight().grad().dup();
            conv.forward(x);
            conv.backward(r);
            assertTrue(conv.weight().grad().sub(once.mul(2)).amaxNumber().doubleValue() < 1e-12);
            assertTrue(once.amaxNumber().doubleValue() > 0);
        }
    }

    @Test
    void batchNormTrainingGradients() {
        ParameterStore s = store();
        BatchNorm2d bn = BatchNorm2d.create(s, "bn", 3, 1.0);
        s.get("bn.weight").value().assign(randn(2, 3));
        s.get("bn.bias").value().assign(randn(3, 3));
        check(s, bn, randn(7, 2, 3, 2, 3).muli(2).addi(1));
    }

    @Test
    void batchNormEvaluationGradients() {
        ParameterStore s = store();
        BatchNorm2d bn = BatchNorm2d.create(s, "bn", 3, 1.0);
        s.get("bn.weight").value().assign(randn(2, 3));
        bn.runningMean().assign(randn(4, 3));
        bn.runningVar().assign(randn(5, 3).muli(0.3).addi(1.5));
        bn.setTraining(false);
        INDArray x = randn(7, 2, 3, 2, 3);
        // evaluation: y = (x - running_mean) / sqrt(running_var + eps) * w + b, per channel
        INDArray y = bn.forward(x);
        for (int ch = 0; ch < 3; ch++) {
            double want = (x.getDouble(1, 2, 1, ch) - bn.runningMean().getDouble(ch))
                    / Math.sqrt(bn.runningVar().getDouble(ch) + 1e-5) * s.get("bn.weight").value().getDouble(ch);
            assertEquals(want, y.getDouble(1, 2, 1, ch), 1e-12);
        }
        check(s, bn, x);
        assertEquals(0, bn.batchesTracked(), "evaluation must not count batches");
    }

    @Test
    void batchNormRunningStatisticsFollowPyTorch() {
        ParameterStore s = store();
        BatchNorm2d bn = BatchNorm2d.create(s, "bn", 2, 1.0);
        double[] rm = {0, 0}, rv = {1, 1};
        for (int step = 0; step < 3; step++) {
            INDArray x = randn(20 + step, 3, 2, 2, 2).muli(step + 1).addi(step - 1);
            INDArray y = bn.forward(x);
            int n = 3 * 2 * 2;
            for (int ch = 0; ch < 2; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += x.reshape(n, 2).getDouble(i, ch);
                double mean = sum / n, sq = 0;
                for (int i = 0; i < n; i++) sq += Math.pow(x.reshape(n, 2).getDouble(i, ch) - mean, 2);
                rm[ch] = 0.9 * rm[ch] + 0.1 * mean;
                rv[ch] = 0.9 * rv[ch] + 0.1 * sq / (n - 1);   // unbiased
                // the output itself uses the biased variance
                double want = (x.reshape(n, 2).getDouble(5, ch) - mean) / Math.sqrt(sq / n + 1e-5);
                assertEquals(want, y.reshape(n, 2).getDouble(5, ch), 1e-12);
                assertEquals(rm[ch], bn.runningMean().getDouble(ch), 1e-12);
                assertEquals(rv[ch], bn.runningVar().getDouble(ch), 1e-12);
            }
            assertEquals(step + 1, bn.batchesTracked());
        }
        assertEquals(DataType.LONG, s.buffers().get("bn.num_batches_tracked").dataType());
        assertEquals(0, s.buffers().get("bn.num_batches_tracked").rank());
    }

    @Test
    void batchNormRejectsSingleValueBatchesInTraining() {
        BatchNorm2d bn = BatchNorm2d.create(store(), "bn", 2, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(randn(1, 1, 1, 1, 2)));
        assertTrue(e.getMessage().contains("bn"), e.getMessage());
    }

    @Test
    void avgPoolAveragesBlocksAndBackpropagates() {
        AvgPool2d pool = new AvgPool2d(2);
        INDArray x = randn(3, 2, 4, 6, 3);
        INDArray y = pool.forward(x);
        assertEquals((x.getDouble(1, 2, 4, 1) + x.getDouble(1, 2, 5, 1) + x.getDouble(1, 3, 4, 1) + x.getDouble(1, 3, 5, 1)) / 4,
                y.getDouble(1, 1, 2, 1), 1e-12);
        check(store(), pool, x);
        check(store(), new AvgPool2d(3), randn(4, 1, 6, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> pool.forward(randn(1, 1, 5, 4, 2)));
    }

    @Test
    void reluGradient() {
        check(store(), new Relu(), randn(8, 2, 3, 3, 2));
    }

    @Test
    void inPlaceReluMatchesAndOverwritesItsInput() {
        INDArray x = randn(8, 2, 3, 3, 2);
        INDArray dy = randn(9, 2, 3, 3, 2);
        Relu copy = new Relu();
        INDArray want = copy.forward(x);
        INDArray wantDx = copy.backward(dy);
        INDArray own = x.dup();
        Relu inPlace = new Relu(true);
        INDArray got = inPlace.forward(own);
        assertEquals(want, got);
        assertEquals(want, own, "the input holds the output");
        assertEquals(wantDx, inPlace.backward(dy));
        assertTrue(x.minNumber().doubleValue() < 0, "the copying ReLU left its input alone");
    }

    @Test
    void bottleneckWithAndWithoutDownsample() {
        int[][] cases = {{4, 2, 2}, {8, 2, 1}, {4, 2, 1}}; // inplanes, planes, stride
        for (int[] c : cases) {
            ParameterStore s = store();
            Bottleneck b = new Bottleneck(s, "layer.0", c[0], c[1], c[2]);
            assertEquals(c[0] != c[1] * 4 || c[2] > 1, b.hasDownsample());
            assertEquals(0.0, s.get("layer.0.bn3.weight").value().amaxNumber().doubleValue(), "bn3 starts at zero");
            s.get("layer.0.bn3.weight").value().assign(randn(9, c[1] * 4));
            for (Parameter p : s) if (p.name().endsWith("bias")) p.value().assign(randn(p.name().hashCode(), p.value().shape()).muli(0.1));
            int side = c[2] > 1 ? 4 : 2;
            check(s, b, randn(7, 2, side, side, c[0]));
        }
    }

    @Test
    void bottleneckKeyNamesMatchOpenAi() {
        ParameterStore s = store();
        new Bottleneck(s, "layer2.0", 16, 8, 2);
        for (String k : new String[]{"layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
                "layer2.0.downsample.1.running_var", "layer2.0.downsample.1.num_batches_tracked", "layer2.0.conv3.weight"}) {
            assertTrue(s.contains(k), k);
        }
        assertEquals(java.util.List.of(32L, 8L, 1L, 1L), java.util.Arrays.stream(s.get("layer2.0.conv3.weight").value().shape()).boxed().toList());
    }

    @Test
    void attentionPoolGradients() {
        ParameterStore s = store();
        AttentionPool2d pool = AttentionPool2d.create(s, "attnpool", 2, 8, 2, 5);
        check(s, pool, randn(7, 3, 2, 2, 8));
    }

    /** The attention pool written out for one image and one head, from the definition. */
    @Test
    void attentionPoolMatchesDefinition() {
        ParameterStore s = store();
        AttentionPool2d pool = AttentionPool2d.create(s, "p", 2, 4, 1, 3);
        INDArray x = randn(5, 1, 2, 2, 4);
        INDArray y = pool.forward(x);
        INDArray tokens = Nd4j.zeros(DataType.DOUBLE, 5, 4);
        INDArray pix = x.reshape(4, 4);
        tokens.getRow(0).assign(pix.mean(0));
        for (int i = 0; i < 4; i++) tokens.getRow(i + 1).assign(pix.getRow(i));
        tokens.addi(s.get("p.positional_embedding").value());
        INDArray q = lin(s, "p.q_proj", tokens.getRow(0).reshape(1, 4)).muli(0.5);
        INDArray k = lin(s, "p.k_proj", tokens);
        INDArray v = lin(s, "p.v_proj", tokens);
        INDArray sc = q.mmul(k.transpose());
        INDArray e = org.nd4j.linalg.ops.transforms.Transforms.exp(sc.sub(sc.maxNumber()));
        INDArray ctx = e.div(e.sumNumber()).mmul(v);
        INDArray want = lin(s, "p.c_proj", ctx);
        assertTrue(y.sub(want).amaxNumber().doubleValue() < 1e-12, y + " vs " + want);
    }

    private static INDArray lin(ParameterStore s, String name, INDArray x) {
        return x.mmul(s.get(name + ".weight").value().transpose()).addRowVector(s.get(name + ".bias").value());
    }
}
