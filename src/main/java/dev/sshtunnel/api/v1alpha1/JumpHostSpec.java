package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One hop of a ProxyJump chain; same fields as the target server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class JumpHostSpec extends SshEndpoint {
}
