package io.jetstart.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.NKey;
import io.nats.client.support.Encoding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A nats-server in operator mode (decentralized JWT authentication), the way operators run NATS
 * with {@code nsc}: an operator, a system account, one JetStream-enabled account and one user of
 * it, whose credentials file ({@code --creds}) is the only way in. The account's JetStream folder
 * in the server's store is named by the account's public key, not a configured name.
 *
 * <p>Every JWT here is built and signed by the test with jnats's {@link NKey} (Ed25519): a header
 * {@code {"typ":"JWT","alg":"ed25519-nkey"}}, the claims, and the issuer's signature of both, each
 * base64url without padding; {@code jti} is the base32 SHA-512/256 of the claims without it, as
 * the NATS JWT library computes it. The server preloads the accounts from its configuration
 * ({@code resolver: MEMORY}), so no account server is needed.
 */
final class OperatorMode {
    private static final ObjectMapper JSON = Json.mapper();
    private static final String HEADER = "{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}";

    private final NKey operator;
    private final NKey system;
    private final NKey account;
    private final NKey user;

    private OperatorMode(NKey operator, NKey system, NKey account, NKey user) {
        this.operator = operator;
        this.system = system;
        this.account = account;
        this.user = user;
    }

    static OperatorMode create() throws IOException {
        try {
            SecureRandom random = new SecureRandom();
            return new OperatorMode(NKey.createOperator(random), NKey.createAccount(random), NKey.createAccount(random),
                    NKey.createUser(random));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot create NKeys", e);
        }
    }

    /** The JetStream account's public key: its folder name under the server's {@code jetstream/}. */
    String accountId() throws IOException {
        return publicKey(account);
    }

    /** nats-server configuration text for this operator, its two accounts preloaded. */
    String serverConfig() throws IOException {
        String op = jwt(operator, publicKey(operator), "OP", JSON.createObjectNode().put("type", "operator").put("version", 2));
        String sys = jwt(operator, publicKey(system), "SYS", accountClaim(false));
        String acc = jwt(operator, accountId(), "APP", accountClaim(true));
        return "operator: \"" + op + "\"\n"
                + "system_account: \"" + publicKey(system) + "\"\n"
                + "resolver: MEMORY\n"
                + "resolver_preload: {\n"
                + "  " + publicKey(system) + ": \"" + sys + "\"\n"
                + "  " + accountId() + ": \"" + acc + "\"\n"
                + "}\n";
    }

    /** Writes the user's credentials file (its JWT and NKey seed) in the format {@code nsc} writes. */
    Path writeCreds(Path file) throws IOException {
        ObjectNode claim = JSON.createObjectNode().put("type", "user").put("version", 2)
                .put("subs", -1).put("data", -1).put("payload", -1);
        String userJwt = jwt(account, publicKey(user), "app-user", claim);
        String seed = new String(user.getSeed());
        String text = "-----BEGIN NATS USER JWT-----\n" + userJwt + "\n------END NATS USER JWT------\n\n"
                + "************************* IMPORTANT *************************\n"
                + "NKEY Seed printed below can be used to sign and prove identity.\n"
                + "NKEYs are sensitive and should be treated as secrets.\n\n"
                + "-----BEGIN USER NKEY SEED-----\n" + seed + "\n------END USER NKEY SEED------\n\n"
                + "*************************************************************\n";
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static ObjectNode accountClaim(boolean jetstream) {
        ObjectNode claim = JSON.createObjectNode();
        ObjectNode limits = claim.putObject("limits");
        for (String f : new String[] {"subs", "data", "payload", "imports", "exports", "conn", "leaf"}) {
            limits.put(f, -1);
        }
        limits.put("wildcards", true);
        // Unlimited storage and counts turn JetStream on for the account; zero (the default) leaves it off.
        for (String f : new String[] {"mem_storage", "disk_storage", "streams", "consumer"}) {
            limits.put(f, jetstream ? -1 : 0);
        }
        return claim.put("type", "account").put("version", 2);
    }

    private static String jwt(NKey issuer, String subject, String name, ObjectNode nats) throws IOException {
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iat", System.currentTimeMillis() / 1000);
        claims.put("iss", publicKey(issuer));
        claims.put("name", name);
        claims.put("sub", subject);
        claims.set("nats", nats);
        claims.put("jti", jti(JSON.writeValueAsBytes(claims)));
        String signed = b64(HEADER.getBytes(StandardCharsets.UTF_8)) + "." + b64(JSON.writeValueAsBytes(claims));
        try {
            return signed + "." + b64(issuer.sign(signed.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign a JWT for " + name, e);
        }
    }

    private static String jti(byte[] claimsWithoutJti) throws IOException {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-512/256").digest(claimsWithoutJti);
            // Unpadded, as the JWT library writes it.
            return new String(Encoding.base32Encode(hash)).replace("=", "");
        } catch (GeneralSecurityException e) {
            throw new IOException("SHA-512/256 unavailable", e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String publicKey(NKey key) throws IOException {
        try {
            return new String(key.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read a public key", e);
        }
    }
}
