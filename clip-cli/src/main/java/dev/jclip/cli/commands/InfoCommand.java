package dev.jclip.cli.commands;

import picocli.CommandLine.Parameters;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.io.TensorInfo;
import dev.jclip.core.io.TensorType;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code clip info CHECKPOINT}: format, tensor and parameter counts (parameters exclude BatchNorm running
 * statistics and batch counters), element types, and the architecture as config JSON (from the file's metadata
 * when present, else inferred from the weights). Reads names and shapes only, not tensor data.
 */
@Command(name = "info", description = "describe a checkpoint: format, architecture, parameter count, dtypes")
public final class InfoCommand extends ClipCommand {
    @Parameters(paramLabel = "CHECKPOINT", description = "any checkpoint format") Path file;

    @Override
    protected int run() {
        Checkpoints.Format format = Checkpoints.detect(file);
        Map<String, TensorInfo> infos = Checkpoints.inspect(file);
        long params = 0;
        long bufferCount = 0;
        Map<TensorType, long[]> byType = new TreeMap<>();
        for (TensorInfo t : infos.values()) {
            if (t.isBuffer()) bufferCount++;
            else params += t.numel();
            long[] c = byType.computeIfAbsent(t.type(), k -> new long[2]);
            c[0]++;
            c[1] += t.numel();
        }
        boolean fromMetadata = Checkpoints.readMetadataConfig(file) != null;
        ClipConfig config = Checkpoints.readConfig(file);
        System.out.println("file: " + file);
        System.out.println("format: " + format.name().toLowerCase());
        System.out.println("tensors: " + infos.size() + " (" + bufferCount + " buffers)");
        System.out.println("parameters: " + params);
        StringBuilder types = new StringBuilder();
        byType.forEach((t, c) -> types.append(types.length() == 0 ? "" : ", ").append(t.safetensorsName())
                .append(": ").append(c[0]).append(" tensors, ").append(c[1]).append(" elements"));
        System.out.println("dtypes: " + types);
        System.out.println("architecture (" + (fromMetadata ? "from metadata, checked against the weights"
                : "inferred from the weights; head counts by OpenAI's rule") + "): "
                + (config.vision().isResNet() ? "ResNet" : "ViT"));
        System.out.println(config.toJson());
        return 0;
    }
}
