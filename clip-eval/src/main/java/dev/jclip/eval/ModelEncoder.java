package dev.jclip.eval;

import dev.jclip.core.model.ClipModel;
import dev.jclip.data.text.CaptionTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/** A {@link ClipModel} plus its tokenizer, seen as the {@link ImageTextEncoder} that evaluation needs. */
public final class ModelEncoder implements ImageTextEncoder {
    private final ClipModel model;
    private final CaptionTokenizer tokenizer;

    public ModelEncoder(ClipModel model, CaptionTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        model.setTraining(false);
    }

    public ClipModel model() {
        return model;
    }

    @Override
    public int imageSize() {
        return model.config().vision().imageSize();
    }

    @Override
    public float[][] encodeImages(INDArray images) {
        return model.encodeImage(images.castTo(DataType.FLOAT)).toFloatMatrix();
    }

    @Override
    public float[][] encodeTexts(List<String> texts) {
        int ctx = model.config().text().contextLength();
        int[][] rows = new int[texts.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = tokenizer.tokenize(texts.get(i), ctx, true);
        return model.encodeText(Nd4j.createFromArray(rows)).toFloatMatrix();
    }
}
