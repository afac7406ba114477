package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.ImageCaptionPairs;
import java.nio.file.Path;

/** {@code clip eval retrieval}: image-text retrieval recall@1/5/10 over a CSV/TSV of (image, caption) pairs. */
public final class EvalRetrievalCommand implements Command {
    @Override
    public String name() {
        return "eval retrieval";
    }

    @Override
    public String summary() {
        return "image<->text retrieval R@1/5/10: --checkpoint C --data PAIRS.csv|.tsv " + EvalCommon.SHARED_OPTIONS;
    }

    @Override
    public int run(Args args) throws Exception {
        Path checkpoint = args.requirePath("checkpoint");
        Path data = args.requirePath("data");
        Path output = args.path("output");
        EvalCommon.ModelOptions model = EvalCommon.ModelOptions.read(args, checkpoint);
        args.checkAllUsed();
        ImageCaptionPairs pairs = new ImageCaptionPairs(data);
        EvalCommon.emit(Evaluations.retrieval(model.load(), pairs, checkpoint.toString()), output);
        return 0;
    }
}
