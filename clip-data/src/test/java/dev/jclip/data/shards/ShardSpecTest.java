package dev.jclip.data.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShardSpecTest {
    @Test
    void expandsZeroPaddedRanges() {
        List<String> s = ShardSpec.expand("data/shard-{00000..00099}.tar");
        assertEquals(100, s.size());
        assertEquals("data/shard-00000.tar", s.get(0));
        assertEquals("data/shard-00042.tar", s.get(42));
        assertEquals("data/shard-00099.tar", s.get(99));
    }

    @Test
    void joinsSourcesListsAndSeveralGroups() {
        assertEquals(List.of("a/0.tar", "a/1.tar", "b/x-8.tar", "b/x-9.tar", "b/x-10.tar", "c.tar"),
                ShardSpec.expand("a/{0..1}.tar::b/x-{8..10}.tar::c.tar"));
        assertEquals(List.of("p/a-01.tar", "p/a-02.tar", "p/b-01.tar", "p/b-02.tar"), ShardSpec.expand("p/{a,b}-{01..02}.tar"));
        assertEquals(List.of("s3.tar", "s2.tar", "s1.tar"), ShardSpec.expand("s{3..1}.tar"));
    }

    @Test
    void malformedSpecsNameTheSpec() {
        for (String bad : new String[] {"", "a{1..2.tar", "a}.tar", "a{1..x}.tar", "::"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardSpec.expand(bad), bad);
            assertTrue(bad.isEmpty() || e.getMessage().contains(bad), e.getMessage());
        }
    }
}
