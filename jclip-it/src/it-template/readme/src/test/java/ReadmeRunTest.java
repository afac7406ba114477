import com.sun.net.httpserver.HttpServer;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.data.image.RgbImage;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs README.md's Java blocks (compiled from src/main/java, in README order) with what they expect in the working
 * folder: shards and a vocabulary, two images, and "ViT-B-32" "openai" served by a local HTTP server as the tiny
 * test model (JCLIP_PRETRAINED_REGISTRY points at target/registry.json, see the pom).
 */
class ReadmeRunTest {
    @Test
    void everyReadmeBlockRuns() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        SyntheticShapes shapes = new SyntheticShapes(32, 1);
        shapes.writeShards(dir.resolve("shards"), "shard", 256, 64, "png");
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < 256; i++) bpe.addCaption(shapes.sample(i).caption());
        bpe.trainAndWrite(dir.resolve("vocab.txt.gz"));
        ImageIO.write(image(shapes.sample(0).image()), "png", dir.resolve("square.png").toFile());
        ImageIO.write(image(shapes.sample(1).image()), "png", dir.resolve("cat.png").toFile());

        byte[] weights = Files.readAllBytes(dir.resolve("tiny-model.safetensors"));
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/clip/ViT-B-32.pt", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, weights.length);
            try (var out = ex.getResponseBody()) {
                out.write(weights);
            }
        });
        server.start();
        try {
            String config;
            try (SafeTensors.Reader r = SafeTensors.open(dir.resolve("tiny-model.safetensors"))) {
                config = r.metadata().get(SafeTensors.CONFIG_KEY);
            }
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
            Files.createDirectories(dir.resolve("target"));
            Files.writeString(dir.resolve("target/registry.json"), "{\"models\": [{\"name\": \"ViT-B-32\", \"tag\": \"openai\", "
                    + "\"url\": \"http://127.0.0.1:" + server.getAddress().getPort() + "/clip/ViT-B-32.pt\", \"sha256\": \""
                    + sha + "\", \"config\": " + config + ", \"quick_gelu\": true}]}");

            List<String> classes = Files.readAllLines(dir.resolve("readme-classes.txt"));
            assertTrue(classes.size() >= 4, classes.toString());
            for (String name : classes) {
                System.out.println("=== README block " + name);
                Class.forName(name).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
            }
        } finally {
            server.stop(0);
        }
        assertEquals(1, requests.get(), "the pretrained weights were downloaded once");
        assertTrue(Files.isRegularFile(dir.resolve("target/jclip-cache/ViT-B-32/openai/ViT-B-32.pt")));
        assertTrue(Files.isRegularFile(dir.resolve("run/model.safetensors")), "TrainExample wrote its run folder");
    }

    private static BufferedImage image(RgbImage rgb) {
        BufferedImage img = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) img.setRGB(x, y, rgb.get(x, y, 0) << 16 | rgb.get(x, y, 1) << 8 | rgb.get(x, y, 2));
        }
        return img;
    }
}
