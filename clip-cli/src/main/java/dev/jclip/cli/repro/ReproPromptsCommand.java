package dev.jclip.cli.repro;

import dev.jclip.cli.demo.DemoData;
import dev.jclip.cli.demo.EmojiCaptions;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.CsvImageDataset;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.report.Chart;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.zeroshot.ZeroShotSuite;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;

/**
 * Finding 2, prompt engineering and ensembling (CLIP paper, section 3.1.4): zero-shot top-1 of the emoji model
 * with each way of turning a class name into text, on the held-out drawing style and on the validation emoji.
 */
@Command(name = "prompts", description = "finding 2: zero-shot top-1 with the bare label, \"a photo of a {}.\", task context and prompt ensembles")
public final class ReproPromptsCommand extends ReproFinding {

    /** One way to write a class as text: one template, or an ensemble averaged in embedding space. */
    record Prompting(String key, String label, List<String> templates) {
    }

    /** The rows of the table, in order: the bare label first (the baseline the paper's gains are measured from). */
    static List<Prompting> promptings() {
        List<String> paper = ZeroShotSuite.named("imagenet1k").templates();
        return List.of(
                new Prompting("bare_label", "bare label \"{}\"", List.of("{}")),
                new Prompting("photo", "\"a photo of a {}.\"", List.of("a photo of a {}.")),
                // the paper's "a photo of a {label}, a type of pet." with the task's own kind of thing
                new Prompting("context_photo", "task context \"a photo of a {}, a type of emoji.\"", List.of("a photo of a {}, a type of emoji.")),
                new Prompting("context_emoji", "task context \"a {} emoji\"", List.of("a {} emoji")),
                new Prompting("ensemble_paper", "ensemble: the paper's " + paper.size() + " ImageNet templates", paper),
                new Prompting("ensemble_emoji", "ensemble: the demo's " + EmojiCaptions.ZERO_SHOT_TEMPLATES.size() + " emoji templates",
                        EmojiCaptions.ZERO_SHOT_TEMPLATES));
    }

    public ReproPromptsCommand() {
        super("Finding 2: prompt engineering and ensembling",
                "\"A photo of a {label}.\" beats the bare label; task context (\"a type of pet\") helps more; an ensemble of"
                + " templates averaged in embedding space adds about 5 points on ImageNet over the bare label, at no extra inference cost.");
    }

    @Override
    void measure(EmojiModel model, ReproReport report) throws Exception {
        DemoData data = model.data();
        List<String> classes = data.classNames();
        LabelledImageDataset heldOut = CsvImageDataset.read(data.zeroShotCsv(), classes);
        LabelledImageDataset validation = DemoData.enoughToEvaluate(data.validation()) ? CsvImageDataset.read(data.validationCsv(), classes) : null;
        report.setting("classes", classes.size()).setting("held_out_images", heldOut.size())
                .setting("validation_images", validation == null ? 0 : validation.size());
        List<Prompting> rows = promptings();
        double[] heldOutTop1 = new double[rows.size()];
        List<List<String>> table = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Prompting p = rows.get(i);
            report.progress(i, rows.size(), p.label());
            EvalReport h = Evaluations.zeroShot(model.features(), heldOut, p.templates(), model.name());
            heldOutTop1[i] = h.metrics().get("top1");
            report.figure("held_out_top1/" + p.key(), heldOutTop1[i]).figure("held_out_top5/" + p.key(), h.metrics().get("top5"));
            String val = "-";
            if (validation != null) {
                double v = Evaluations.zeroShot(model.features(), validation, p.templates(), model.name()).metrics().get("top1");
                report.figure("validation_top1/" + p.key(), v);
                val = ReproReport.pct(v);
            }
            table.add(List.of(p.label(), String.valueOf(p.templates().size()), ReproReport.pct(heldOutTop1[i]),
                    ReproReport.pct(h.metrics().get("top5")), val));
        }
        report.progress(rows.size(), rows.size(), "done");
        for (int i = 1; i < rows.size(); i++) report.figure("held_out_gain_over_bare_points/" + rows.get(i).key(), 100 * (heldOutTop1[i] - heldOutTop1[0]));
        report.heading("Zero-shot top-1 by prompt")
                .text(String.format(java.util.Locale.ROOT, "%d classes (emoji subcategories). Held out: the %d trained emoji drawn in the"
                        + " held-out %s style; validation: %s emoji never trained on, in the training style.", classes.size(), heldOut.size(),
                        dev.jclip.cli.demo.EmojiPackages.HELD_OUT_SET, validation == null ? "no" : String.valueOf(validation.size())))
                .table(List.of("prompt", "templates", "held-out top-1", "held-out top-5", "validation top-1"), table)
                .chart(Chart.bars("Zero-shot top-1 on the held-out style by prompt", "top-1 (%)",
                        rows.stream().map(Prompting::label).toList(), java.util.Arrays.stream(heldOutTop1).map(x -> 100 * x).toArray(),
                        axisTop(heldOutTop1))
                        .subtitle(model.name()), "Zero-shot top-1 by prompt", "prompts")
                .text("An ensemble costs nothing at inference: its class embedding is the normalised mean of the templates' normalised"
                        + " embeddings, computed once per class.");
    }

    /** The value axis's end, in percent: a little above the largest accuracy (0..1), so small differences show. */
    static double axisTop(double... shares) {
        double max = 0;
        for (double v : shares) max = Math.max(max, v);
        return Math.min(100, Math.max(5, Math.ceil(125 * max / 5) * 5));
    }
}
