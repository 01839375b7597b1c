package io.jetstart.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A store written by one nats-server build through {@link StoreScenarios}, cleanly stopped, with
 * what the server reported just before the stop. Written in two runs on the same folder: {@code $G}
 * first, then the two named accounts (see {@link Account}); the second run must leave the
 * {@code $G} files byte for byte as the first left them, which is checked.
 */
record PopulatedStore(NatsServerBinary binary, Path store, ServerOracle.Snapshot oracle) {

    static PopulatedStore create(NatsServerBinary binary, Path workDir) throws Exception {
        Path store = workDir.resolve("store");
        ServerOracle.Snapshot global;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, workDir, ServerAccounts.GLOBAL)) {
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                new StoreScenarios(c.connection(), binary.version()).populateGlobal();
            }
            global = ServerOracle.capture(server);
            server.stopGracefully();
        }
        String globalDigest = digest(store.resolve("jetstream/$G"));
        ServerOracle.Snapshot named;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, workDir, ServerAccounts.NAMED)) {
            for (Account a : Account.named()) {
                try (NatsClient c = server.connect(a)) {
                    new StoreScenarios(c.connection(), binary.version()).populateNamed(a);
                }
            }
            named = ServerOracle.capture(server);
            server.stopGracefully();
        }
        if (!globalDigest.equals(digest(store.resolve("jetstream/$G")))) {
            throw new IllegalStateException(binary + " changed the $G files while serving only the named accounts;"
                    + " the $G oracle no longer describes them");
        }
        ServerOracle.Snapshot oracle = global.merge(named);
        oracle.write(Repo.output().resolve(binary.version().toString()), "clean");
        return new PopulatedStore(binary, store, oracle);
    }

    /** SHA-256 over every file's relative path and bytes, in path order. */
    static String digest(Path dir) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            sha.update(dir.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), sha)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
