package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** A private key in a Secret, with the key of its passphrase when the private key is encrypted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrivateKeySecretRef extends SecretKeyRef {

    @Size(min = 1, max = 253)
    @Pattern(KEY_PATTERN)
    @JsonPropertyDescription("Key within the same Secret holding the private key's passphrase, when the key is encrypted.")
    private String passphraseKey;

    public String getPassphraseKey() { return passphraseKey; }
    public void setPassphraseKey(String passphraseKey) { this.passphraseKey = passphraseKey; }
}
