package dev.jclip.cli.commands;

import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.ArchitectureInference;
import dev.jclip.core.io.Checkpoints;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

/**
 * {@code clip convert IN OUT [--format safetensors|pt] [--config NAME_OR_JSON]}: rewrites a checkpoint (any
 * readable format: safetensors, torch.save zip, TorchScript, Hugging Face names) as an OpenAI-named state dict.
 * The format defaults to OUT's extension. Both outputs carry the model config (safetensors in its metadata,
 * .pt in an archive entry that PyTorch ignores): the one given with {@code --config} (checked against the
 * weights), else the input's own stored config; an inferred one is not written, since head counts cannot be
 * inferred.
 */
@Command(name = "convert", description = "convert a checkpoint (safetensors, .pt, TorchScript, Hugging Face) to safetensors or .pt")
public final class ConvertCommand extends ClipCommand {
    @Parameters(index = "0", paramLabel = "IN", description = "any readable checkpoint") Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = ".safetensors or .pt") Path out;

    @Option(names = "--format", paramLabel = "safetensors|pt", description = "output format (default: from OUT's extension)") String format;

    @Option(names = "--config", paramLabel = "NAME|JSON", description = "model config to store (checked against the weights; default: IN's own)")
    String configName;

    @Override
    protected int run() {
        Checkpoints.Format target;
        try {
            target = format != null ? Checkpoints.Format.parse(format) : Checkpoints.Format.forFileName(out);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (RuntimeException e) {
            throw new UsageException(e.getMessage() + "; or pass --format");
        }
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new UsageException("IN and OUT are the same file");
        }
        Map<String, INDArray> state = Checkpoints.readStateDict(in);
        ClipConfig config = configName != null ? ClipConfig.load(configName) : Checkpoints.readMetadataConfig(in);
        if (config != null) ArchitectureInference.infer(Checkpoints.readShapes(in), config);
        Checkpoints.write(state, config, out, target);
        System.out.printf("wrote %s (%s, %d tensors%s)%n", out, target.name().toLowerCase(), state.size(),
                config != null ? ", with config" : "");
        return 0;
    }
}
