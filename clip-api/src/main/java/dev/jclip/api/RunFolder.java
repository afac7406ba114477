package dev.jclip.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The checkpoint a path stands for: a checkpoint file itself, or a Trainer run folder's final or newest weights. */
final class RunFolder {
    static final String FINAL_MODEL = "model.safetensors";
    static final String CHECKPOINTS = "checkpoints";

    private RunFolder() {
    }

    static Path checkpointOf(Path path) throws IOException {
        if (Files.isRegularFile(path)) return path;
        if (!Files.isDirectory(path)) throw new NoSuchFileException(path.toString(), null, "no checkpoint file or run folder");
        Path finalModel = path.resolve(FINAL_MODEL);
        if (Files.isRegularFile(finalModel)) return finalModel;
        Path dir = path.resolve(CHECKPOINTS);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                // step-%08d.safetensors: the zero-padded step makes the newest the last in name order
                List<Path> steps = files.filter(p -> p.getFileName().toString().matches("step-\\d+\\.safetensors")).sorted().toList();
                if (!steps.isEmpty()) return steps.get(steps.size() - 1);
            }
        }
        throw new NoSuchFileException(path.toString(), null, "a run folder needs " + FINAL_MODEL + " or "
                + CHECKPOINTS + "/step-*.safetensors, neither is there");
    }
}
