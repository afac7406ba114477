package dev.jclip.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Emoji-like test data in emoji-datasource's layout: {@code DIR/emoji-datasource-<set>/package/emoji.json} and
 * {@code img/<set>/64/*.png} (transparent 64x64 PNGs) for the sets {@code google} (filled shapes),
 * {@code twitter} (outlined shapes with a darker rim, a different "drawing style") and {@code facebook} (a thin
 * outline only, a third style). Each emoji is a shape in a colour; its subcategory is the shape, its category
 * whether the shape is round or angular.
 */
public final class FakeEmojiPackages {
    static final List<String> SHAPES = List.of("circle", "square", "triangle", "diamond");
    // 8 per shape: enough for the demo's validation split and its held-out set to each hold 2 to fit a probe, 2 to test
    static final List<String> COLOURS = List.of("red", "green", "blue", "orange", "purple", "black", "teal", "pink");
    private static final Color[] RGB = {new Color(220, 40, 40), new Color(40, 170, 60), new Color(40, 80, 220),
            new Color(245, 150, 20), new Color(140, 50, 170), new Color(30, 30, 30), new Color(20, 150, 150), new Color(240, 110, 180)};

    private FakeEmojiPackages() {
    }

    /** The number of emoji with images in both sets: every shape x colour. */
    public static int usableEmoji() {
        return SHAPES.size() * COLOURS.size();
    }

    /**
     * Writes both packages. Besides the usable emoji, emoji.json lists one entry without a twitter image
     * ({@code has_img_twitter} false) and one whose google PNG is missing: both must be left out.
     */
    public static void write(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode all = json.createArrayNode();
        int order = 0;
        for (int s = 0; s < SHAPES.size(); s++) {
            for (int c = 0; c < COLOURS.size(); c++) {
                all.add(entry(json, COLOURS.get(c) + " " + SHAPES.get(s), s, c, order++, true, true));
            }
        }
        all.add(entry(json, "google only star", 0, 0, order++, true, false));
        all.add(entry(json, "missing png star", 1, 1, order, true, true));
        for (String set : List.of("google", "twitter", "facebook")) {
            Path pkg = dir.resolve("emoji-datasource-" + set).resolve("package");
            Path img = pkg.resolve("img").resolve(set).resolve("64");
            Files.createDirectories(img);
            Files.writeString(pkg.resolve("emoji.json"), json.writeValueAsString(all));
            for (int s = 0; s < SHAPES.size(); s++) {
                for (int c = 0; c < COLOURS.size(); c++) {
                    BufferedImage drawing = set.equals("facebook") ? outline(s, c) : draw(s, c, set.equals("twitter"));
                    ImageIO.write(drawing, "png", img.resolve(imageName(s, c)).toFile());
                }
            }
            ImageIO.write(draw(0, 0, false), "png", img.resolve("google-only.png").toFile());
        }
    }

    private static ObjectNode entry(ObjectMapper json, String name, int shape, int colour, int order, boolean google, boolean twitter) {
        ObjectNode e = json.createObjectNode();
        e.put("name", name.toUpperCase());
        String shortName = name.replace(' ', '_');
        e.put("short_name", shortName);
        e.putArray("short_names").add(shortName);
        e.put("category", shape % 2 == 0 ? "Round & Pointed" : "Angular Things");
        e.put("subcategory", SHAPES.get(shape) + "-shape");
        e.put("image", name.startsWith("google only") ? "google-only.png" : name.startsWith("missing") ? "missing.png" : imageName(shape, colour));
        e.put("sort_order", order);
        e.put("has_img_google", google);
        e.put("has_img_twitter", twitter);
        e.put("has_img_facebook", twitter);
        e.put("unified", String.format("FAKE-%04d", order));
        return e;
    }

    /**
     * A fake EmojiOne package in {@code DIR/emojione/package/assets/png/}: each shape filled in a paler colour with a
     * thick black outline (a fourth style), for every colour but the last, so that some emoji have no drawing in it.
     * Its file names are the datasource's, as EmojiOne's real ones are (code points).
     */
    public static void writeEmojione(Path dir) throws IOException {
        Path img = dir.resolve("emojione").resolve("package").resolve("assets").resolve("png");
        Files.createDirectories(img);
        for (int s = 0; s < SHAPES.size(); s++) {
            for (int c = 0; c < COLOURS.size() - 1; c++) {
                BufferedImage b = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
                Graphics2D g = b.createGraphics();
                g.setColor(RGB[c].brighter());
                g.fill(shape(s));
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(4));
                g.draw(shape(s));
                g.dispose();
                ImageIO.write(b, "png", img.resolve(imageName(s, c)).toFile());
            }
        }
    }

    static String imageName(int shape, int colour) {
        return String.format("f%d%d.png", shape, colour);
    }

    private static java.awt.Shape shape(int shape) {
        return switch (shape) {
            case 0 -> new java.awt.geom.Ellipse2D.Double(8, 8, 48, 48);
            case 1 -> new java.awt.Rectangle(10, 10, 44, 44);
            case 2 -> new java.awt.Polygon(new int[] {32, 58, 6}, new int[] {6, 56, 56}, 3);
            default -> new java.awt.Polygon(new int[] {32, 58, 32, 6}, new int[] {4, 32, 60, 32}, 4);
        };
    }

    /** The third style: a thin outline of the shape, nothing filled. */
    static BufferedImage outline(int shape, int colour) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(RGB[colour]);
        g.setStroke(new BasicStroke(2));
        g.draw(shape(shape));
        g.dispose();
        return img;
    }

    /** A shape on a transparent background: filled (google) or a thick outline with a pale fill (twitter). */
    static BufferedImage draw(int shape, int colour, boolean outlined) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Color col = RGB[colour];
        java.awt.Shape sh = shape(shape);
        if (outlined) {
            g.setColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 110));
            g.fill(sh);
            g.setColor(col.darker());
            g.setStroke(new BasicStroke(6));
            g.draw(sh);
        } else {
            g.setColor(col);
            g.fill(sh);
        }
        g.dispose();
        return img;
    }
}
