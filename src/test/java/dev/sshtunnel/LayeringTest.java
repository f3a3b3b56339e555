package dev.sshtunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Which package may use which, held by the build: read from the import lines and the qualified names written
 * inline (comments and string literals aside) of src/main/java and src/sandbox/java.
 * <ul>
 * <li>{@code api} and {@code untrusted} use nothing of ours; {@code config} uses only them. None of the three uses the
 * Java Operator SDK or Quarkus: the forwarder runs on them.</li>
 * <li>{@code forwarder} and {@code operator} are siblings over {@code config}, {@code api} and {@code untrusted}: neither
 * uses the other, and the forwarder uses no Operator SDK and no Quarkus (it boots neither).</li>
 * <li>{@code cli} is the top: it may use any of them. Nothing in src/main uses {@code dev.sshtunnel.sandbox}, and the
 * sandbox uses nothing of {@code dev.sshtunnel.testing} (the tests' own harness).</li>
 * </ul>
 * A new top-level package fails here until it is given its rule.
 */
class LayeringTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Path SANDBOX = Path.of("src/sandbox/java");
    private static final String JOSDK = "io.javaoperatorsdk";
    private static final String QUARKUS = "io.quarkus";

    /** Each product package → the packages of ours it may use (besides itself). */
    private static final Map<String, Set<String>> MAY_USE = Map.of(
            "api", Set.of(),
            "untrusted", Set.of(),
            "config", Set.of("api", "untrusted"),
            "forwarder", Set.of("config", "api", "untrusted"),
            "operator", Set.of("config", "api", "untrusted"),
            "cli", Set.of("forwarder", "operator", "config", "api", "untrusted"));
    /** Libraries a package may not use. */
    private static final Map<String, Set<String>> MAY_NOT_USE = Map.of(
            "api", Set.of(JOSDK, QUARKUS),
            "untrusted", Set.of(JOSDK, QUARKUS),
            "config", Set.of(JOSDK, QUARKUS),
            "forwarder", Set.of(JOSDK, QUARKUS));

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile(
            "(?<![\\w.])(dev\\.sshtunnel(?:\\.\\w+)+|" + Pattern.quote(JOSDK) + "(?:\\.\\w+)*|" + Pattern.quote(QUARKUS) + "(?:\\.\\w+)*)");

    record Source(Path root, Path file, String pkg, List<String> uses) {
        String layer() {
            return layerOf(pkg);
        }

        boolean sandbox() {
            return root.equals(SANDBOX);
        }
    }

    @Test
    void everyPackageUsesOnlyWhatItsLayerAllows() throws IOException {
        List<Source> sources = new ArrayList<>(sources(MAIN));
        sources.addAll(sources(SANDBOX));
        assertThat(sources).as("sources read").extracting(Source::root).contains(MAIN, SANDBOX);
        assertThat(violations(sources)).isEmpty();
    }

    @Test
    void aForbiddenUseIsCaught() {
        Path file = MAIN.resolve("dev/sshtunnel/operator/X.java");
        Source bad = new Source(MAIN, file, "dev.sshtunnel.operator", uses("""
                package dev.sshtunnel.operator;
                import dev.sshtunnel.api.v1alpha1.SshTunnel; // a comment naming dev.sshtunnel.forwarder.Y is no use
                class X { String s = "dev.sshtunnel.sandbox.Z"; int port = dev.sshtunnel.forwarder.http.StatusEndpoints.PORT; }
                """));
        assertThat(violations(List.of(bad))).containsExactly(file + ": operator may not use dev.sshtunnel.forwarder.http.StatusEndpoints.PORT");
    }

    /** dev.sshtunnel.operator.status.X → operator. */
    static String layerOf(String qualified) {
        String rest = qualified.startsWith("dev.sshtunnel.") ? qualified.substring("dev.sshtunnel.".length()) : qualified;
        return rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
    }

    static List<String> violations(List<Source> sources) {
        List<String> found = new ArrayList<>();
        for (Source source : sources) {
            for (String use : source.uses()) {
                String problem = problem(source, use);
                if (problem != null) {
                    found.add(source.file() + ": " + problem);
                }
            }
        }
        return found;
    }

    private static String problem(Source source, String use) {
        String layer = source.layer();
        if (use.startsWith("dev.sshtunnel.testing.")) {
            return (source.sandbox() ? "the sandbox" : layer) + " may not use the tests' " + use;
        }
        if (source.sandbox()) {
            return null; // the sandbox runs the product: it may use all of it
        }
        if (use.startsWith("dev.sshtunnel.sandbox.")) {
            return layer + " (src/main) may not use the sandbox's " + use;
        }
        if (!MAY_USE.containsKey(layer)) {
            return "package " + source.pkg() + " has no layering rule (add it to LayeringTest)";
        }
        for (String library : MAY_NOT_USE.getOrDefault(layer, Set.of())) {
            if (use.equals(library) || use.startsWith(library + ".")) {
                return layer + " may not use " + use;
            }
        }
        if (use.startsWith("dev.sshtunnel.")) {
            String target = layerOf(use);
            if (!target.equals(layer) && !MAY_USE.get(layer).contains(target)) {
                return layer + " may not use " + use;
            }
        }
        return null;
    }

    private static List<Source> sources(Path root) throws IOException {
        List<Source> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String text = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(text);
                sources.add(new Source(root, file, pkg.find() ? pkg.group(1) : "", uses(text)));
            }
        }
        return sources;
    }

    /** The qualified names of ours, the Operator SDK's and Quarkus' in code: imports and inline names, not the package line. */
    static List<String> uses(String text) {
        String code = PACKAGE.matcher(codeOnly(text)).replaceFirst("");
        List<String> uses = new ArrayList<>();
        Matcher m = QUALIFIED.matcher(code);
        while (m.find()) {
            uses.add(m.group(1));
        }
        return uses;
    }

    /** The text with comments, string and char literals (text blocks too) blanked out. */
    static String codeOnly(String text) {
        StringBuilder code = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (text.startsWith("//", i)) {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? text.length() : end + 2;
                code.append(' ');
            } else if (text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                while (end > 0 && text.charAt(end - 1) == '\\') {
                    end = text.indexOf("\"\"\"", end + 1);
                }
                i = end < 0 ? text.length() : end + 3;
                code.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < text.length() && text.charAt(j) != c && text.charAt(j) != '\n') {
                    j += text.charAt(j) == '\\' ? 2 : 1;
                }
                i = Math.min(j + 1, text.length());
                code.append(c).append(c);
            } else {
                code.append(c);
                i++;
            }
        }
        return code.toString();
    }
}
