package dev.sshtunnel.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.sshtunnel.sandbox.Sandbox;
import io.quarkus.runtime.Quarkus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Try the operator without a cluster: starts an in-process Kubernetes API with the SshTunnel CRD, "
                + "writes a kubeconfig for kubectl, runs the operator against it, and runs each forwarder the operator "
                + "deploys on this machine (pods get addresses in 127.1.0.0/16; Service ports are relayed from "
                + "--service-address and printed). Stop with Ctrl-C.",
                "Not a cluster: no scheduling, no container isolation, no NetworkPolicy enforcement, no DNS; "
                + "see docs/sandbox.md."})
public class SandboxCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/sshtunnel-sandbox",
            description = "Where the kubeconfig and the pods' mounted files go (default: ${DEFAULT-VALUE}).")
    Path workDir;

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
        Sandbox sandbox = Sandbox.start(new Sandbox.Options(workDir, apiPort, serviceAddress, runPods), line -> {
            synchronized (out) {
                out.println("sandbox: " + line);
                out.flush();
            }
        });
        sandbox.operatorProperties().forEach(System::setProperty);
        System.setProperty("quarkus.http.port", Integer.toString(operatorHttpPort));
        out.println("sandbox: API server for kubectl at " + sandbox.kubectlUrl());
        out.println("sandbox: API server for an operator at " + sandbox.operatorApiUrl());
        out.println("sandbox: export KUBECONFIG=" + sandbox.kubeconfig().toAbsolutePath());
        if (!runOperator) {
            out.println("sandbox: ready; no operator runs here. Start one with: java -Dquarkus.profile=sandbox "
                    + "-Dquarkus.kubernetes-client.api-server-url=" + sandbox.operatorApiUrl()
                    + " -Dsshtunnel.operator-namespace=" + Sandbox.OPERATOR_NAMESPACE + " -jar quarkus-run.jar operator");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                sandbox.close();
                stop.countDown();
            }, "sandbox-stop"));
            stop.await();
            return 0;
        }
        out.println("sandbox: ready; starting the operator");
        out.flush();
        try {
            // Blocks until Ctrl-C / SIGTERM, as the `operator` command does.
            Quarkus.run();
        } finally {
            sandbox.close();
        }
        return 0;
    }
}
