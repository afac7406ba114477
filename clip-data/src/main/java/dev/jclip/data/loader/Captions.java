package dev.jclip.data.loader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Finds a sample's caption: the {@code txt} member, else the {@code caption} field of the {@code json} member. */
final class Captions {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A caption or the reason there is none. */
    record Result(String caption, String skipReason, String detail) {
    }

    private Captions() {
    }

    static Result fromMembers(Map<String, byte[]> members) {
        byte[] txt = members.get("txt");
        if (txt != null) return fromText(txt);
        byte[] json = members.get("json");
        if (json == null) return new Result(null, SkipReason.MISSING_CAPTION, "no txt or json member");
        String text;
        try {
            text = strictUtf8(json);
        } catch (CharacterCodingException e) {
            return new Result(null, SkipReason.CAPTION_NOT_UTF8, "json is not UTF-8");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return new Result(null, SkipReason.CAPTION_BAD_JSON, e.getOriginalMessage());
        }
        JsonNode c = node == null ? null : node.get("caption");
        if (c == null || !c.isTextual()) return new Result(null, SkipReason.MISSING_CAPTION, "json has no caption string");
        return nonBlank(c.asText());
    }

    private static Result fromText(byte[] bytes) {
        try {
            return nonBlank(strictUtf8(bytes));
        } catch (CharacterCodingException e) {
            return new Result(null, SkipReason.CAPTION_NOT_UTF8, "txt is not UTF-8");
        }
    }

    /** Trims surrounding white space (txt files usually end in a newline); blank counts as missing. */
    static Result nonBlank(String s) {
        String t = s.strip();
        if (t.isEmpty()) return new Result(null, SkipReason.MISSING_CAPTION, "caption is empty");
        return new Result(t, null, null);
    }

    /** Decodes UTF-8, failing on malformed input instead of substituting U+FFFD. A leading BOM is dropped. */
    static String strictUtf8(byte[] bytes) throws CharacterCodingException {
        String s = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
