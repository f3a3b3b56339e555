package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Key material made with the real ssh-keygen, as users make theirs. */
public final class Keys {

    private Keys() {
    }

    /** ssh-keygen -t TYPE [-m PEM] [-N passphrase] -f DIR/NAME; returns the private key path (NAME.pub beside it). */
    public static Path generate(Path dir, String name, String type, boolean pem, String passphrase) {
        Path key = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase == null ? "" : passphrase,
                "-C", name, "-f", key.toString()));
        if (type.equals("rsa")) {
            command.addAll(List.of("-b", "2048"));
        }
        if (pem) {
            command.addAll(List.of("-m", "PEM"));
        }
        Processes.run(command);
        UsedSecrets.privateKey(key);
        UsedSecrets.text(passphrase);
        return key;
    }

    /** Signs a user key with a CA: writes KEY-cert.pub valid for the given principal. */
    public static Path certify(Path ca, Path userKey, String principal) {
        Processes.run(List.of("ssh-keygen", "-q", "-s", ca.toString(), "-I", "test-user", "-n", principal, "-V", "-5m:+1h",
                userKey + ".pub"));
        return Path.of(userKey + "-cert.pub");
    }

    /** SHA256 fingerprint of a public key file, as ssh-keygen -l prints it. */
    public static String fingerprint(Path publicKey) {
        String line = Processes.run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", publicKey.toString()));
        return line.split("\\s+")[1];
    }

    public static String publicKey(Path privateKey) {
        try {
            return Files.readString(Path.of(privateKey + ".pub")).trim();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
