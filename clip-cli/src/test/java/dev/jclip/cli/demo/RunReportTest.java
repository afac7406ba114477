package dev.jclip.cli.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** report.html of a training run shows the evaluation metrics of metrics.jsonl at their steps. */
class RunReportTest {
    @Test
    void evaluationMetricsAreChartedAndTheirLastValuesTabled(@TempDir Path run) throws Exception {
        Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
                "{\"step\":1,\"epoch\":0,\"loss\":4.1,\"lr\":0.001,\"samples_seen\":8}",
                "{\"step\":2,\"epoch\":0,\"loss\":3.9,\"lr\":0.001,\"val_loss\":3.25,\"val_image_to_text_R@1\":0.125,\"val_text_to_image_R@1\":0.25,\"zeroshot_top1\":0.5}",
                "{\"step\":3,\"epoch\":0,\"loss\":3.5,\"lr\":0.001}",
                "{\"step\":4,\"epoch\":0,\"loss\":3.1,\"lr\":0.0005,\"val_loss\":2.875,\"val_image_to_text_R@1\":0.375,\"val_text_to_image_R@1\":0.5,\"zeroshot_top1\":0.625}",
                ""));
        String html = Files.readString(RunReport.write(run));
        assertTrue(html.contains("<td>val_loss</td><td class=\"num\">2.8750</td><td class=\"num\">4</td>"), "last val_loss at step 4");
        assertTrue(html.contains("<td>val_image_to_text_R@1</td><td class=\"num\">0.3750</td>"), html);
        assertTrue(html.contains("<td>zeroshot_top1</td><td class=\"num\">0.6250</td>"));
        assertFalse(html.contains("<td>lr</td>"), "step fields are not evaluation metrics");
        for (String chart : List.of("Contrastive loss", "Learning rate", "val_loss", "val_recall", "zeroshot accuracy")) {
            // each chart is a PNG drawn by clip-eval's Chart, embedded with its title as the alt text
            assertTrue(html.contains("alt=\"" + chart + "\" src=\"data:image/png;base64,"), "chart " + chart);
        }
    }

    @Test
    void recallsOfOneSetShareAChart() {
        Map<String, List<String>> g = RunReport.groups(new TreeSet<>(Set.of("val_image_to_text_R@1", "val_text_to_image_R@5", "val_loss", "zeroshot_top1", "zeroshot_top5")));
        assertEquals(List.of("val_image_to_text_R@1", "val_text_to_image_R@5"), g.get("val_recall"));
        assertEquals(List.of("zeroshot_top1", "zeroshot_top5"), g.get("zeroshot accuracy"));
        assertEquals(List.of("val_loss"), g.get("val_loss"));
    }
}
