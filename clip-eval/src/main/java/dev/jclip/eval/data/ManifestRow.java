package dev.jclip.eval.data;

import dev.jclip.data.table.DelimitedTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A row of an evaluation manifest (CSV/TSV with a header): an image file, resolved against the manifest's folder,
 * and one text field (a label, a caption). Errors name the manifest and the line.
 *
 * @param line the row's line in the manifest
 */
record ManifestRow(int line, Path image, String text) {
    /** The image column's accepted names. */
    private static final String[] IMAGE_COLUMNS = {"image", "path", "filepath", "file"};

    /**
     * Every row; an empty field, a missing image or a manifest without rows is an error.
     *
     * @param what        the text field's name in messages ("label", "caption")
     * @param textColumns its accepted column names
     */
    static List<ManifestRow> read(Path manifest, String what, String... textColumns) throws IOException {
        DelimitedTable table = DelimitedTable.read(manifest);
        int imageCol = table.column("image", IMAGE_COLUMNS);
        int textCol = table.column(what, textColumns);
        if (table.rows().isEmpty()) throw new IOException(manifest + ": no data rows");
        Path base = manifest.toAbsolutePath().getParent();
        List<ManifestRow> rows = new ArrayList<>();
        for (DelimitedTable.Row r : table.rows()) {
            String path = r.text(imageCol);
            String text = r.text(textCol);
            if (path.isEmpty()) throw new IOException(manifest + ":" + r.line() + ": empty image path");
            if (text.isEmpty()) throw new IOException(manifest + ":" + r.line() + ": empty " + what);
            Path p = base.resolve(path).normalize();
            if (!Files.isRegularFile(p)) throw new IOException(manifest + ":" + r.line() + ": image " + p + " does not exist");
            rows.add(new ManifestRow(r.line(), p, text));
        }
        return rows;
    }
}
