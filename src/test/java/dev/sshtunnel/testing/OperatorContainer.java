package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The operator's container as deploy/ sizes it, for a packaged operator started outside a pod: the image's -XX flags
 * (pom.xml, jib entrypoint) with deploy/'s memory limit standing in for the container's (-XX:MaxRAM, so the heap is
 * the pod's), and how much memory a process has had resident (what a cgroup limit would count).
 */
public final class OperatorContainer {

    private static final Path DEPLOYMENT = Path.of("deploy/operator-deployment.yaml");

    private OperatorContainer() {
    }

    /** The operator container's memory limit in deploy/, in bytes. */
    public static long memoryLimit() throws IOException {
        JsonNode deployment = new ObjectMapper(new YAMLFactory()).readTree(DEPLOYMENT.toFile());
        String limit = deployment.at("/spec/template/spec/containers/0/resources/limits/memory").asText();
        Matcher mebibytes = Pattern.compile("(\\d+)Mi").matcher(limit);
        if (!mebibytes.matches()) {
            throw new IllegalStateException("deploy/ sets the operator's memory limit in Mi: " + limit);
        }
        return Long.parseLong(mebibytes.group(1)) << 20;
    }

    /** The JVM flags of the operator's pod: the image entrypoint's -XX flags and the container's memory limit as MaxRAM. */
    public static List<String> jvmFlags() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String entrypoint = pom.substring(pom.indexOf("<entrypoint>"), pom.indexOf("</entrypoint>"));
        List<String> flags = new ArrayList<>();
        Matcher arg = Pattern.compile("<arg>(-XX:[^<]+)</arg>").matcher(entrypoint);
        while (arg.find()) {
            flags.add(arg.group(1));
        }
        if (flags.stream().noneMatch(flag -> flag.startsWith("-XX:MaxRAMPercentage="))) {
            throw new IllegalStateException("the image's entrypoint no longer sizes the heap from the container: " + flags);
        }
        flags.add("-XX:MaxRAM=" + memoryLimit());
        return flags;
    }

    /**
     * What the operator container in deploy/ sets for the process itself: JDK_JAVA_OPTIONS (read by the java launcher,
     * so the operator's flags stay apart from the forwarder's, which run the same image) and the MALLOC_ variables.
     */
    public static Map<String, String> processEnvironment() throws IOException {
        Map<String, String> env = new TreeMap<>();
        for (JsonNode variable : new ObjectMapper(new YAMLFactory()).readTree(DEPLOYMENT.toFile())
                .at("/spec/template/spec/containers/0/env")) {
            String name = variable.path("name").asText();
            if (name.equals("JDK_JAVA_OPTIONS") || name.startsWith("MALLOC_")) {
                env.put(name, variable.path("value").asText());
            }
        }
        return env;
    }

    /** VmHWM: the most memory the process has had resident, as a cgroup limit would count it. */
    public static long peakResidentBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) << 10;
            }
        }
        throw new IllegalStateException("no VmHWM for " + pid);
    }
}
