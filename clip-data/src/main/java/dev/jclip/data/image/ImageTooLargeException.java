package dev.jclip.data.image;

/**
 * An image refused for its size, not its content: more pixels (or a more extreme aspect ratio) than
 * {@link dev.jclip.core.io.Limits} allow, or one the heap could not hold while decoding. Counted as "too large",
 * apart from corrupt images; {@link #unsupported()} is true (the bytes may well be a valid image).
 */
public final class ImageTooLargeException extends ImageDecodeException {
    public ImageTooLargeException(String message, Throwable cause) {
        super(message, true, cause);
    }
}
