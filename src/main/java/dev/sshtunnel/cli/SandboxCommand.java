package dev.sshtunnel.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sshtunnel.sandbox.Sandbox;
import io.quarkus.runtime.Quarkus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Try the operator without a cluster: starts the real Kubernetes control plane (etcd, kube-apiserver, "
                + "kube-controller-manager, kube-scheduler; built by hack/kube-binaries.sh) with the SshTunnel CRD and the "
                + "operator's RBAC, writes an admin kubeconfig for kubectl, runs the operator against it as its "
                + "ServiceAccount, and runs each forwarder pod scheduled to its node on this machine (pods get addresses "
                + "in 127.1.0.0/16; Service ports are relayed from --service-address and printed). Stop with Ctrl-C.",
                "Stand-ins: a node agent instead of kubelet and container runtime, relays instead of kube-proxy; "
                + "no NetworkPolicy enforcement, no DNS; see docs/sandbox.md."})
public class SandboxCommand implements Callable<Integer> {

    /** How long the stop waits for the operator to stop before it stops the control plane under it; bounded so the whole stop stays within 10 s. */
    private static final Duration OPERATOR_STOP = Duration.ofSeconds(2);

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

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
                    + "against the printed URL, e.g. to stop and restart it while tunnels change.")
    boolean runOperator;

    @Option(names = "--pods", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the forwarder pods the operator deploys (default). With --no-pods, Deployments stay "
                    + "unscheduled: for exercising the control plane alone, e.g. bench/control-plane.sh.")
    boolean runPods;

    @Option(names = "--operator-http-port", paramLabel = "N", defaultValue = "0",
            description = "Port of the operator's /q/health and /q/metrics (default: any free port).")
    int operatorHttpPort;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Sandbox sandbox = Sandbox.start(new Sandbox.Options(workDir, kubeBinaries, apiPort, serviceAddress, runPods), line -> {
            synchronized (out) {
                out.println("sandbox: " + line);
                out.flush();
            }
        });
        out.println("sandbox: API server at " + sandbox.apiServerUrl());
        out.println("sandbox: export KUBECONFIG=" + sandbox.kubeconfig().toAbsolutePath());
        if (!runOperator) {
            Path operatorKubeconfig = sandbox.operatorKubeconfig(workDir.resolve("operator.kubeconfig"));
            out.println("sandbox: ready; no operator runs here. Start one (as the operator's ServiceAccount) with: "
                    + "KUBECONFIG=" + operatorKubeconfig.toAbsolutePath() + " java -Dquarkus.profile=sandbox"
                    + " -Dsshtunnel.forwarder.image=" + Sandbox.FORWARDER_IMAGE + " -jar quarkus-run.jar operator");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                sandbox.close();
                stop.countDown();
            }, "sandbox-stop"));
            stop.await();
            return 0;
        }
        sandbox.operatorProperties().forEach(System::setProperty);
        System.setProperty("quarkus.http.port", Integer.toString(operatorHttpPort));
        out.println("sandbox: ready; starting the operator");
        out.flush();
        // The JVM ends once its shutdown hooks have run, whatever the main thread still does: closing the sandbox
        // after Quarkus.run() returned raced that end and left etcd and kube-apiserver running. A hook of our own
        // holds the exit until every process the sandbox started has exited, after the operator has stopped.
        CountDownLatch operatorStopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                operatorStopped.await(OPERATOR_STOP.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sandbox.close();
        }, "sandbox-stop"));
        AtomicInteger exitCode = new AtomicInteger();
        try {
            // Blocks until Ctrl-C / SIGTERM, as the `operator` command does. Quarkus' own exit handler would call
            // System.exit, which blocks inside a shutdown: this one only says the operator has stopped.
            Quarkus.run(null, (code, failure) -> {
                exitCode.set(code);
                operatorStopped.countDown();
            });
        } finally {
            operatorStopped.countDown();
        }
        return exitCode.get();
    }
}
