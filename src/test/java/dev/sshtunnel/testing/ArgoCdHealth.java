package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Runs deploy/argocd/health.lua in a real Lua 5.4 interpreter, the way Argo CD does (obj is a global). */
public final class ArgoCdHealth {

    public static final Path SCRIPT = Path.of("deploy/argocd/health.lua");

    private ArgoCdHealth() {
    }

    /** "status|message" for one object given as JSON (e.g. `kubectl get sshtunnel NAME -o json`). */
    public static String of(String objectJson) {
        try {
            String harness = "obj = " + toLua(new ObjectMapper().readTree(objectJson)) + "\n"
                    + "local check = assert(loadfile(\"" + SCRIPT.toAbsolutePath() + "\"))\n"
                    + "local hs = check()\n"
                    + "io.write(hs.status .. \"|\" .. (hs.message or \"\"))\n";
            Path file = Files.createTempFile("argocd-health", ".lua");
            try {
                Files.writeString(file, harness);
                Process lua = new ProcessBuilder("lua5.4", file.toString()).redirectErrorStream(true).start();
                String out = new String(lua.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!lua.waitFor(10, TimeUnit.SECONDS) || lua.exitValue() != 0) {
                    throw new IllegalStateException("lua5.4 failed: " + out);
                }
                return out;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** JSON as a Lua table constructor, arrays 1-based as Argo CD's conversion makes them. */
    private static String toLua(JsonNode node) {
        if (node.isObject()) {
            StringBuilder lua = new StringBuilder("{");
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                lua.append("[\"").append(field.getKey()).append("\"]=").append(toLua(field.getValue())).append(',');
            }
            return lua.append('}').toString();
        }
        if (node.isArray()) {
            StringBuilder lua = new StringBuilder("{");
            node.forEach(item -> lua.append(toLua(item)).append(','));
            return lua.append('}').toString();
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        return "\"" + node.asText().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
