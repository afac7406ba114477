package dev.jclip.eval.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.core.io.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@link EvalReport} in LAION-AI/CLIP_benchmark's result shape, so that its {@code clip_benchmark build}
 * step (which flattens {@code metrics} into one CSV row per file) and the tables built from it take jclip's
 * results as they are. Shape and names as in CLIP_benchmark's {@code cli.py} and {@code metrics/*.py}:
 *
 * <pre>
 * {"dataset": "cifar10", "model": "ViT-B-32", "pretrained": "openai", "task": "zeroshot_classification",
 *  "metrics": {"acc1": .., "acc5": .., "mean_per_class_recall": ..}, "language": "en"}
 * </pre>
 *
 * <ul>
 *   <li>zero-shot: task {@code zeroshot_classification}, {@code acc1}, {@code acc5}, {@code mean_per_class_recall};</li>
 *   <li>retrieval: task {@code zeroshot_retrieval}, {@code image_retrieval_recall@k} (a caption finds its image:
 *       jclip's {@code text_to_image_R@k}) and {@code text_retrieval_recall@k} (an image finds one of its captions:
 *       {@code image_to_text_R@k}), k = 1, 5, 10;</li>
 *   <li>linear probe: task {@code linear_probe}, {@code lp_acc1}, {@code lp_acc5}, {@code lp_mean_per_class_recall},
 *       {@code fewshot_k} (-1: every training sample), {@code seed}, {@code normalized} (true: features are
 *       L2-normalised).</li>
 * </ul>
 * CLIP_benchmark reports top-5 as NaN with fewer than five classes; it is written as null here (NaN is not JSON).
 */
public final class ClipBenchmarkJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who and what a result is about, in CLIP_benchmark's terms. */
    public record Names(String dataset, String model, String pretrained) {
        public Names {
            for (String s : new String[] {dataset, model, pretrained}) {
                if (s == null || s.isBlank()) throw new IllegalArgumentException("CLIP_benchmark names must be non-empty: " + dataset + ", " + model + ", " + pretrained);
            }
        }
    }

    private ClipBenchmarkJson() {
    }

    /** CLIP_benchmark's task name for a jclip task. */
    public static String task(EvalReport r) {
        return switch (r.task()) {
            case "zeroshot" -> "zeroshot_classification";
            case "retrieval" -> "zeroshot_retrieval";
            case "linear-probe" -> "linear_probe";
            default -> throw new IllegalArgumentException("no CLIP_benchmark task for '" + r.task() + "'");
        };
    }

    /** The metrics object, values taken from the report's own. */
    public static Map<String, Double> metrics(EvalReport r) {
        Map<String, Double> m = r.metrics();
        Map<String, Double> out = new LinkedHashMap<>();
        switch (r.task()) {
            case "zeroshot" -> {
                out.put("acc1", get(m, "top1"));
                out.put("acc5", fewerThanFive(r) ? Double.NaN : get(m, "top5"));
                out.put("mean_per_class_recall", get(m, "mean_per_class_recall"));
            }
            case "retrieval" -> {
                for (int k : new int[] {1, 5, 10}) out.put("image_retrieval_recall@" + k, get(m, "text_to_image_R@" + k));
                for (int k : new int[] {1, 5, 10}) out.put("text_retrieval_recall@" + k, get(m, "image_to_text_R@" + k));
            }
            case "linear-probe" -> {
                out.put("lp_acc1", get(m, "linear_probe_top1"));
                out.put("lp_acc5", fewerThanFive(r) ? Double.NaN : get(m, "linear_probe_top5"));
                out.put("lp_mean_per_class_recall", get(m, "linear_probe_mean_per_class_recall"));
            }
            default -> throw new IllegalArgumentException("no CLIP_benchmark metrics for '" + r.task() + "'");
        }
        return out;
    }

    /** The whole document. */
    public static ObjectNode document(EvalReport r, Names names) {
        ObjectNode root = JSON.createObjectNode();
        root.put("dataset", names.dataset());
        root.put("model", names.model());
        root.put("pretrained", names.pretrained());
        root.put("task", task(r));
        ObjectNode metrics = root.putObject("metrics");
        metrics(r).forEach((k, v) -> {
            if (Double.isFinite(v)) metrics.put(k, v);
            else metrics.putNull(k);
        });
        if (r.task().equals("linear-probe")) {
            Object fewshot = r.settings().get("fewshot_k");
            metrics.put("fewshot_k", fewshot instanceof Number n ? n.intValue() : -1);
            metrics.put("seed", ((Number) r.settings().getOrDefault("seed", 0L)).longValue());
            metrics.put("normalized", true);
        }
        root.put("language", "en");
        return root;
    }

    /**
     * CLIP_benchmark's default file name, {@code {dataset}_{pretrained}_{model}_{language}_{task}.json}, with
     * '/' in the dataset replaced by '_' and a pretrained file path reduced to its file name, as its cli.py does.
     */
    public static String fileName(EvalReport r, Names names) {
        String pretrained = names.pretrained();
        Path p = Path.of(pretrained);
        if (Files.isRegularFile(p) && p.getFileName() != null) pretrained = p.getFileName().toString();
        return names.dataset().replace('/', '_') + "_" + pretrained + "_" + names.model() + "_en_" + task(r) + ".json";
    }

    /** Writes the document into {@code folder} under {@link #fileName} (through a temporary file) and returns its path. */
    public static Path write(EvalReport r, Names names, Path folder) throws IOException {
        Files.createDirectories(folder);
        Path out = folder.resolve(fileName(r, names));
        AtomicFile.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document(r, names)) + "\n");
        return out;
    }

    private static boolean fewerThanFive(EvalReport r) {
        return r.classNames() != null && r.classNames().size() < 5;
    }

    private static double get(Map<String, Double> m, String key) {
        Double v = m.get(key);
        if (v == null) throw new IllegalArgumentException("report has no metric " + key);
        return v;
    }
}
