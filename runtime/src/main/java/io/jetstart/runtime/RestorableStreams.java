package io.jetstart.runtime;

import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.SubjectRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The streams of an account as nats-server would restore them at its next start (those it would
 * refuse, which the runtime serves read-only, take no subject): what a create or an update must
 * not overlap ({@link #requireNoOverlap}), and what {@link StreamOverlaps} compares the recovered
 * streams' subjects with.
 */
final class RestorableStreams implements StreamOverlaps.Streams {
    /** A stream's future in the store (recovering, served or failed), by account and name. */
    interface Readiness {
        CompletableFuture<JetStartStream> ready(String account, String name);
    }

    private final Path storeDir;
    private final CountingDiskGate gate;
    private final Readiness streams;

    RestorableStreams(Path storeDir, CountingDiskGate gate, Readiness streams) {
        this.storeDir = storeDir;
        this.gate = gate;
        this.streams = streams;
    }

    /** For {@link StreamOverlaps}: the streams known, and the futures of those still recovering (left out). */
    @Override
    public StreamOverlaps.Known restorable(String account) throws InterruptedException {
        List<CompletableFuture<JetStartStream>> recovering = new ArrayList<>();
        Map<String, StreamConfig> configs = restorable(account, null, recovering);
        return new StreamOverlaps.Known(configs, recovering);
    }

    /**
     * nats-server's {@code subjectsOverlap}: no subject may match one of {@code config}'s subjects
     * and one of another stream's of the same account (10065). The server refuses such a stream,
     * and at its next start on files that hold two it restores the first and not the other ("Error
     * recreating stream ...: subjects overlap with an existing stream"), so the runtime, whose
     * publishes name their stream and would not notice, refuses it too. A stream without subjects
     * listens on its name, as the server gives it.
     */
    void requireNoOverlap(String account, StreamConfig config) throws InterruptedException {
        List<String> mine = StreamOverlaps.subjectsOf(config);
        for (StreamConfig theirs : restorable(account, config.name(), null).values()) {
            for (String a : mine) {
                for (String b : StreamOverlaps.subjectsOf(theirs)) {
                    if (SubjectRules.collide(a, b)) {
                        throw JetStreamApiException.subjectsOverlap();
                    }
                }
            }
        }
    }

    /**
     * The streams of {@code account} but {@code except}, by directory name (sorted), with their
     * configs, leaving out those nats-server would not restore (the runtime serves them read-only):
     * they take no subject, at the server's next start or now. One that failed is left out (its
     * config may be what failed). A stream still recovering is, with {@code recovering} given, left
     * out and its handle's future added there; without it, taken from its {@code meta.inf} as it is on
     * disk (an encrypted one is waited for: its key is read by its recovery), so a create at open
     * does not wait for big streams to be rebuilt.
     */
    private Map<String, StreamConfig> restorable(String account, String except, List<CompletableFuture<JetStartStream>> recovering)
            throws InterruptedException {
        Path streamsDir = JetStreamDir.streams(storeDir, account);
        // A plain loop, no lambdas: each spins a class in a fresh JVM, on a new stream's first create.
        List<String> names = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> list = Files.newDirectoryStream(streamsDir)) {
            for (Path p : list) {
                String n = p.getFileName().toString();
                if (!n.equals(except) && Files.isDirectory(p)) {
                    names.add(n);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list the streams of account " + account + " in " + streamsDir, e);
        }
        Map<String, StreamConfig> out = new java.util.TreeMap<>();
        for (String other : names) {
            StreamConfig theirs = null;
            CompletableFuture<JetStartStream> ready = streams.ready(account, other);
            if (!ready.isDone()) {
                if (recovering != null) {
                    recovering.add(ready);
                    continue;
                }
                theirs = configOnDisk(streamsDir.resolve(other));
            }
            if (theirs == null) {
                try {
                    theirs = ready.get().config();
                } catch (java.util.concurrent.ExecutionException e) {
                    continue;
                }
            }
            if (RestoreRefusals.reason(theirs, other) == null) {
                out.put(other, theirs);
            }
        }
        return out;
    }

    /** A plain stream's config from its {@code meta.inf}; null for an encrypted one or one that cannot be read. */
    private StreamConfig configOnDisk(Path dir) throws InterruptedException {
        if (Files.exists(dir.resolve(MetaFiles.META_KEY))) {
            return null;
        }
        try {
            return MetaFiles.readStream(dir, gate).config();
        } catch (io.jetstart.core.meta.MetaException e) {
            return null;
        } catch (java.io.InterruptedIOException e) {
            throw new InterruptedException(e.getMessage());
        }
    }
}
