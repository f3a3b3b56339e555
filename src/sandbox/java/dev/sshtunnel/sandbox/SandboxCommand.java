package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.sshtunnel.cli.CachingSlf4jProvider;
import dev.sshtunnel.cli.ForwarderLogging;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Try the operator without a cluster: starts the real Kubernetes control plane (etcd, kube-apiserver, "
                + "kube-controller-manager, kube-scheduler; built by hack/kube-binaries.sh) with the SshTunnel CRD and the "
                + "operator's RBAC, writes an admin kubeconfig for kubectl, starts the packaged operator (quarkus-run.jar "
                + "operator) against it as its ServiceAccount, and runs each forwarder pod scheduled to its node on this "
                + "machine (pods get addresses in 127.1.0.0/16; Service ports are relayed from --service-address and "
                + "printed). Stop with Ctrl-C. Usually started by hack/sandbox.sh, which builds what is missing.",
                "Stand-ins: a node agent instead of kubelet and container runtime, relays instead of kube-proxy; "
                + "no NetworkPolicy enforcement, no DNS; see docs/sandbox.md."})
public class SandboxCommand implements Callable<Integer> {

    /** How long the stop waits for the operator to stop before it stops the control plane under it; bounded so the whole stop stays within 10 s. */
    private static final Duration OPERATOR_STOP = Duration.ofSeconds(4);
    /** From the operator's start to its readiness: a cold JVM and the informers' first lists. */
    private static final Duration OPERATOR_START = Duration.ofSeconds(120);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/sshtunnel-sandbox",
            description = "Where the kubeconfig and the pods' mounted files go (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--kube-binaries", paramLabel = "DIR",
            description = "Directory with kube-apiserver, kube-controller-manager, kube-scheduler and etcd "
                    + "(default: the newest complete one that hack/kube-binaries.sh built into its cache).")
    Path kubeBinaries;

    @Option(names = "--api-port", paramLabel = "N", defaultValue = "0",
            description = "Port of the API server for kubectl, on 127.0.0.1 (default: any free port).")
    int apiPort;

    @Option(names = "--service-address", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address the forwarder Services' ports are relayed from (default: ${DEFAULT-VALUE}).")
    String serviceAddress;

    @Option(names = "--operator", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the operator in the sandbox (default). With --no-operator, run an operator yourself "
                    + "against the printed kubeconfig, e.g. to stop and restart it while tunnels change.")
    boolean runOperator;

    @Option(names = "--operator-jar", paramLabel = "JAR",
            defaultValue = "${env:SSHTUNNEL_OPERATOR_JAR:-target/quarkus-app/quarkus-run.jar}",
            description = "The packaged operator the sandbox starts (default: ${DEFAULT-VALUE}; hack/sandbox.sh sets "
                    + "SSHTUNNEL_OPERATOR_JAR to the one it built).")
    Path operatorJar;

    @Option(names = "--pods", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the forwarder pods the operator deploys (default). With --no-pods, Deployments stay "
                    + "unscheduled: for exercising the control plane alone, e.g. bench/control-plane.sh.")
    boolean runPods;

    @Option(names = "--operator-http-port", paramLabel = "N", defaultValue = "0",
            description = "Port of the operator's /q/health and /q/metrics (default: any free port).")
    int operatorHttpPort;

    @Option(names = "--demo", description = "Also start an OpenSSH sshd and a web server on loopback and apply a "
            + "tunnel to them (examples/sandbox-demo.yaml's shape), then print the curl that goes through it.")
    boolean demo;

    public static void main(String... args) {
        // The forwarder pods run in this JVM, without Quarkus: they log as a forwarder pod does, through the JBoss
        // LogManager that quarkus-run.jar installs for them (set before anything touches java.util.logging).
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        ClusterNames.install();
        CachingSlf4jProvider.install();
        ForwarderLogging.install();
        System.exit(new CommandLine(new SandboxCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Consumer<String> say = line -> {
            synchronized (out) {
                out.println("sandbox: " + line);
                out.flush();
            }
        };
        if (runOperator && !Files.isRegularFile(operatorJar)) {
            say.accept(operatorJar + " is missing: build it with ./mvnw package -DskipTests (hack/sandbox.sh does)");
            return 2;
        }
        Sandbox sandbox = Sandbox.start(new Sandbox.Options(workDir, kubeBinaries, apiPort, serviceAddress, runPods), say);
        say.accept("API server at " + sandbox.apiServerUrl());
        if (runPods) {
            say.accept("pods get loopback addresses (127.1.0.0/16), which the API server does not accept as endpoints: the "
                    + "Warning events FailedToUpdateEndpoint(Slices) on each tunnel's Service are expected here and harmless, "
                    + "as the sandbox relays Service ports itself");
        }
        Path operatorKubeconfig = sandbox.operatorKubeconfig(workDir.resolve("operator.kubeconfig"));
        ChildProcess[] operator = new ChildProcess[1];
        CountDownLatch stop = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        // The JVM ends once its shutdown hooks have run: the hook stops the operator first (it writes to the
        // control plane while it stops), then every process the sandbox started.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            ChildProcess child = operator[0];
            if (child != null) {
                child.terminate();
                try {
                    child.awaitExit(Instant.now().plus(OPERATOR_STOP));
                    child.kill(); // what is left: the operator if it overran, and its watchdog's sleeping shell
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            sandbox.close();
            stop.countDown();
        }, "sandbox-stop"));
        if (runOperator) {
            int httpPort = operatorHttpPort != 0 ? operatorHttpPort : Sandbox.freeLoopbackPort();
            operator[0] = startOperator(operatorKubeconfig, httpPort);
            say.accept("starting the operator (" + operatorJar + ", pid " + operator[0].pid()
                    + ", /q/health and /q/metrics on 127.0.0.1:" + httpPort + ")");
            if (!awaitReady(operator[0], httpPort)) {
                say.accept("the operator did not become ready within " + OPERATOR_START.toSeconds() + " s (its output is above)");
                return 1;
            }
            if (demo) {
                new SandboxDemo(sandbox, workDir.resolve("demo"), say).run();
            }
            say.accept("ready; the operator runs as its ServiceAccount");
        } else {
            say.accept("ready; no operator runs here. Start one (as the operator's ServiceAccount) with: "
                    + "KUBECONFIG=" + operatorKubeconfig.toAbsolutePath() + " java -Dquarkus.profile=sandbox"
                    + " -Dsshtunnel.forwarder.image=" + Sandbox.FORWARDER_IMAGE + " -jar quarkus-run.jar operator");
        }
        // Last, once the CRDs are established and the operator answers: a script that applies right after this
        // line finds the kinds and an operator to act on them.
        say.accept("export KUBECONFIG=" + sandbox.kubeconfig().toAbsolutePath());
        if (operator[0] == null) {
            stop.await();
            return 0;
        }
        int code = operator[0].awaitExit();
        if (!stopping.get()) {
            say.accept("the operator exited with code " + code + "; stopping");
            return code == 0 ? 1 : code;
        }
        return 0;
    }

    /**
     * `java -jar quarkus-run.jar operator` as the operator's ServiceAccount (its kubeconfig; no token on the command
     * line), with the sandbox profile; its output goes where the sandbox's does, and it ends with the sandbox
     * even when the sandbox is killed ({@link ChildProcess}).
     */
    private ChildProcess startOperator(Path kubeconfig, int httpPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        Sandbox.operatorProperties(kubeconfig).forEach((name, value) -> command.add("-D" + name + "=" + value));
        command.add("-Dquarkus.http.port=" + httpPort);
        command.addAll(List.of("-jar", operatorJar.toString(), "operator"));
        return ChildProcess.start("operator", command, ProcessBuilder.Redirect.INHERIT);
    }

    /** Until /q/health/ready answers 200 (controllers started), the process exits, or the deadline passes. */
    private static boolean awaitReady(ChildProcess operator, int httpPort) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(OPERATOR_START);
        while (operator.alive() && Instant.now().isBefore(deadline)) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        return false;
    }
}
