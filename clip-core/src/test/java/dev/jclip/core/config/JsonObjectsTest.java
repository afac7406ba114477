package dev.jclip.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonObjectsTest {
    @Test
    void readsAnObjectAndRefusesAnythingElseNamingTheSource() {
        assertEquals(3, JsonObjects.parse("{\"a\": 3}", "x.json").get("a").asInt());

        ConfigException e = assertThrows(ConfigException.class, () -> JsonObjects.parse("{\"a\": ", "run.json"));
        assertTrue(e.getMessage().startsWith("run.json: invalid JSON"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> JsonObjects.parse("[1, 2]", "run.json"));
        assertEquals("run.json: expected a JSON object", e.getMessage());
        e = assertThrows(ConfigException.class, () -> JsonObjects.parse("", "empty.json"));
        assertEquals("empty.json: expected a JSON object", e.getMessage());

        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> JsonObjects.parse("nope", "registry.json", IllegalArgumentException::new));
        assertTrue(iae.getMessage().startsWith("registry.json: invalid JSON"), iae.getMessage());
    }
}
