package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.zeroshot.PromptTemplates;
import java.nio.file.Path;
import java.util.List;

/** {@code clip eval zeroshot}: zero-shot classification with prompt templates. */
public final class EvalZeroShotCommand implements Command {
    @Override
    public String name() {
        return "eval zeroshot";
    }

    @Override
    public String summary() {
        return "zero-shot classification: --checkpoint C --dataset D [--templates FILE] [--classnames FILE] [--limit N] "
                + EvalCommon.SHARED_OPTIONS;
    }

    @Override
    public int run(Args args) throws Exception {
        Path checkpoint = args.requirePath("checkpoint");
        String spec = args.require("dataset");
        Path templatesFile = args.path("templates");
        List<String> classNames = EvalCommon.classNames(args);
        int limit = args.getInt("limit", 0);
        long seed = args.getLong("seed", 0);
        Path output = args.path("output");
        EvalCommon.ModelOptions model = EvalCommon.ModelOptions.read(args, checkpoint);
        args.checkAllUsed();
        if (limit < 0) throw new UsageException("--limit must be positive");
        List<String> templates = templatesFile == null ? PromptTemplates.DEFAULT : PromptTemplates.read(templatesFile);
        LabelledImageDataset d = DatasetSpec.open(spec, classNames);
        if (limit > 0) d = DatasetView.random(d, limit, seed);
        Evaluations.FeatureSource src = model.load();
        var report = Evaluations.zeroShot(src, d, templates, checkpoint.toString());
        if (templatesFile != null) report.setting("templates_file", templatesFile.toString());
        EvalCommon.emit(report, output);
        return 0;
    }
}
