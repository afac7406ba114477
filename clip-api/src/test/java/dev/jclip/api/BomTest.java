package dev.jclip.api;

import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jclip-bom pins every version jclip's own build overrides, with the same values, and every library module. */
class BomTest {
    /** Managed by the root pom for jclip's own tests and application (the CLI), not for consumers. */
    private static final Set<String> BUILD_ONLY = Set.of("org.junit.jupiter:junit-jupiter", "org.slf4j:slf4j-simple",
            "net.jqwik:jqwik", "info.picocli:picocli", "com.google.protobuf:protobuf-java");

    @Test
    void bomPinsWhatTheRootPomPins() throws Exception {
        Path root = Fixtures.testdata().getParent();
        Map<String, String> parent = managed(root.resolve("pom.xml"));
        Map<String, String> bom = managed(root.resolve("jclip-bom/pom.xml"));
        int checked = 0;
        for (Map.Entry<String, String> e : parent.entrySet()) {
            String ga = e.getKey().split(":")[0] + ":" + e.getKey().split(":")[1];
            if (BUILD_ONLY.contains(ga) || e.getKey().endsWith(":test-jar")) continue;
            assertEquals(e.getValue(), bom.get(e.getKey()), "jclip-bom's version of " + e.getKey());
            checked++;
        }
        assertTrue(checked >= 15, "checked " + checked);
        assertEquals("3.16.0", bom.get("org.apache.commons:commons-lang3::jar"));
        for (String m : new String[]{"clip-api", "clip-core", "clip-data", "clip-train", "clip-eval", "clip-dist", "clip-onednn"}) {
            assertTrue(bom.containsKey("dev.jclip:" + m + "::jar"), m);
        }
    }

    /** groupId:artifactId:classifier:type to version, properties resolved. */
    private static Map<String, String> managed(Path pom) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        Element project = doc.getDocumentElement();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("project.version", child(project, "version"));
        Element p = firstChild(project, "properties");
        if (p != null) {
            NodeList kids = p.getChildNodes();
            for (int i = 0; i < kids.getLength(); i++) {
                if (kids.item(i) instanceof Element el) props.put(el.getTagName(), el.getTextContent().trim());
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        Element deps = firstChild(firstChild(project, "dependencyManagement"), "dependencies");
        NodeList list = deps.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            String classifier = child(d, "classifier");
            String type = child(d, "type");
            String key = child(d, "groupId") + ":" + child(d, "artifactId") + ":" + resolve(classifier == null ? "" : classifier, props)
                    + ":" + (type == null ? "jar" : type);
            out.put(key, resolve(child(d, "version"), props));
        }
        return out;
    }

    private static String resolve(String s, Map<String, String> props) {
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(resolve(props.getOrDefault(m.group(1), m.group()), props)));
        m.appendTail(sb);
        return sb.toString();
    }

    private static Element firstChild(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) return e;
        }
        return null;
    }

    private static String child(Element parent, String tag) {
        Element e = firstChild(parent, tag);
        return e == null ? null : e.getTextContent().trim();
    }
}
