package dev.jclip.cli.commands;

import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.ImageCaptionPairs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code clip eval retrieval}: image-text retrieval recall@1/5/10 over a CSV/TSV of (image, caption) pairs. */
@Command(name = "retrieval", description = "image<->text retrieval R@1/5/10 over a CSV/TSV of (image, caption) pairs")
public final class EvalRetrievalCommand extends EvalCommand {
    @Option(names = "--data", required = true, paramLabel = "PAIRS", description = "CSV/TSV with image and caption columns") Path data;

    @Override
    protected int run() throws Exception {
        Path ckpt = checkpoint.required();
        ImageCaptionPairs pairs = new ImageCaptionPairs(data);
        eval.emit(Evaluations.retrieval(eval.load(ckpt, loader(), images), pairs, ckpt.toString()),
                benchmarkNames(EvalOptions.benchmarkDatasetName(data.toString())));
        return 0;
    }
}
