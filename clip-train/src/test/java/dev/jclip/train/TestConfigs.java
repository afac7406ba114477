package dev.jclip.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds training configs in tests from key/value pairs (keys as in JSON). */
public final class TestConfigs {
    private TestConfigs() {
    }

    public static TrainConfig of(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return TrainConfig.defaults().with(m, "test");
    }
}
