package dev.jclip.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelShardsCommandTest {
    @TempDir
    Path dir;

    /** 12 images of 4 rows x 5 columns, labels 0,1,2,0,1,2,... in MNIST's IDX layout. */
    private void writeIdx() throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("set-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(12);
            out.writeInt(4);
            out.writeInt(5);
            for (int i = 0; i < 12 * 20; i++) out.write(i % 256);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("set-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(12);
            for (int i = 0; i < 12; i++) out.write(i % 3);
        }
    }

    @Test
    void writesShardsTheLoaderReads() throws Exception {
        writeIdx();
        Files.writeString(dir.resolve("names.txt"), "shirt\nbag\nsandal\n");
        Files.writeString(dir.resolve("templates.txt"), "# two templates\na photo of a {}\na grey {} on black\n");
        Path out = dir.resolve("shards");
        JsonNode made = new ObjectMapper().readTree(DataCommandsTest.run(new LabelShardsCommand(), "--dataset", "idx:" + dir.resolve("set"),
                "--output", out.toString(), "--limit", "9", "--seed", "5", "--samples-per-shard", "4", "--classnames",
                dir.resolve("names.txt").toString(), "--templates", dir.resolve("templates.txt").toString()));
        assertEquals(9, made.get("samples").asInt());
        assertEquals(3, made.get("shards").asInt());
        JsonNode perClass = made.get("per_class");
        assertEquals(9, perClass.get("shirt").asInt() + perClass.get("bag").asInt() + perClass.get("sandal").asInt());
        assertEquals(2, made.get("templates").size());

        // the training loader's path reads them back: 9 images of 5 x 4, every caption 5 words (+ start and end)
        JsonNode stats = new ObjectMapper().readTree(DataCommandsTest.run(new DataStatsCommand(), "--data", out + "/shard-{00000..00002}.tar",
                "--image-size", "8", "--workers", "1", "--batch-size", "3"));
        assertEquals(9, stats.get("samples").asInt());
        assertEquals(0, stats.get("skipped").size(), stats.toString());
        assertEquals(5, stats.get("image_sizes").get("width").get("max").asInt());
        assertEquals(4, stats.get("image_sizes").get("height").get("min").asInt());
        assertEquals(7, stats.get("caption_tokens").get("min").asInt());
        assertEquals(7, stats.get("caption_tokens").get("max").asInt());
    }

    @Test
    void badOptionsAreClearErrors() throws Exception {
        writeIdx();
        String spec = "idx:" + dir.resolve("set");
        UsageException e = assertThrows(UsageException.class, () -> Main.invoke(new LabelShardsCommand(), List.of("--dataset", spec,
                "--output", dir.resolve("o").toString(), "--limit", "13")));
        assertTrue(e.getMessage().contains("13"), e.getMessage());
        assertThrows(UsageException.class, () -> Main.invoke(new LabelShardsCommand(), List.of("--output", "o")));
        assertThrows(UsageException.class, () -> Main.invoke(new LabelShardsCommand(), List.of("--dataset", spec, "--output", "o", "--bogus", "1")));
        Files.writeString(dir.resolve("bad.txt"), "a photo\n");
        IOException io = assertThrows(IOException.class, () -> Main.invoke(new LabelShardsCommand(), List.of("--dataset", spec,
                "--output", dir.resolve("o").toString(), "--templates", dir.resolve("bad.txt").toString())));
        assertTrue(io.getMessage().contains("bad.txt:1"), io.getMessage());
    }
}
