package dev.jclip.data.image;

/** Image bytes that cannot be turned into an {@link RgbImage}; {@link #unsupported()} separates "not handled" from "broken". */
public class ImageDecodeException extends Exception {
    private final boolean unsupported;

    public ImageDecodeException(String message, boolean unsupported, Throwable cause) {
        super(message, cause);
        this.unsupported = unsupported;
    }

    /** True for valid images this decoder does not handle (unusual colour models, too many pixels); false for corrupt data. */
    public boolean unsupported() {
        return unsupported;
    }
}
