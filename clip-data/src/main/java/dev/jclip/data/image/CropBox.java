package dev.jclip.data.image;

/** A rectangle of source pixels: left {@code x}, top {@code y}, width {@code w}, height {@code h}. */
public record CropBox(int x, int y, int w, int h) {
}
