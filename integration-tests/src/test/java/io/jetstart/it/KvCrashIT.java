package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.it.CrashReaders.Expected;
import io.jetstart.it.CrashReaders.Seen;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.kv.KeyValue;
import io.jetstart.runtime.kv.KeyValueConfig;
import io.jetstart.runtime.kv.KeyValueEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while the runtime's {@code kv} package writes a bucket with a history of 3 to 5: a child
 * JVM ({@link KvCrashChild}) puts, updates, creates, deletes (markers) and purges (markers with
 * {@code Nats-Rollup: sub}) 40 keys in 4 KiB blocks with a sync interval of 10-200 ms, and is killed
 * at a random moment. The test replays the child's lines into each key's history as acknowledged:
 * the last {@code history} entries since the key's last purge marker. Then
 * <ul>
 *   <li>the stream, read by all six readers of {@link CrashReaders#readAll} (jetstart's recovery,
 *       nats-server 2.10.x and 2.14+, each with the {@code index.db} the kill left and without
 *       any), holds every entry still in a history, byte for byte, and none the history limit or a
 *       rollup removed; the readers of the same files report the same state (2.10.x's known quirk
 *       aside: {@link CrashReaders#only210FirstOfABlockWithoutMessages});</li>
 *   <li>the runtime's {@code KeyValue} on a copy of each of the two, and jnats's {@code KeyValue}
 *       through each server on each, read every key's history (revisions, operations, values) and
 *       its value as acknowledged; for the key of the operation in flight, as before it or as after
 *       it at a revision after the last acknowledged (a purge in flight with any of the entries
 *       before its marker still there: its rollup's removals are several writes).</li>
 * </ul>
 *
 * <p>{@code -Djetstart.kv.crash.trials=N} (default 4) sets the number of kills; the seed is printed
 * and {@code -Djetstart.kv.crash.seed=S} replays the history drawn and the operations (the moments
 * of the kills differ).
 */
class KvCrashIT {
    private final Path tmp = Repo.work("KvCrashIT");

    /** One entry of a key's history: its revision, operation and the op number its value names. */
    record Entry(long rev, String op, long n) {
        byte[] bytes(String key) {
            return op.equals("DEL") || op.equals("PURGE") ? new byte[0] : KvCrashChild.value(key, n);
        }

        String line(String key) {
            return rev + " " + op + " " + Base64.getEncoder().encodeToString(bytes(key));
        }
    }

    /** The operation in flight at the kill, if any. */
    record InFlight(String op, String key, long n) {
        String kvOp() {
            return switch (op) {
                case "delete" -> "DEL";
                case "purge" -> "PURGE";
                default -> "PUT";
            };
        }
    }

    /** The acknowledged histories, what they require and forbid, and the operation in flight. */
    static final class Replay {
        final Map<String, Deque<Entry>> histories = new LinkedHashMap<>();
        final TreeSet<Long> gone = new TreeSet<>();
        final Map<Long, byte[]> bytes = new HashMap<>();
        long lastAcked;
        int done;
        InFlight inFlight;

        TreeSet<Long> live() {
            TreeSet<Long> live = new TreeSet<>();
            histories.values().forEach(h -> h.forEach(e -> live.add(e.rev())));
            if (inFlight != null) {
                // The operation in flight may have rolled the key up, or pushed its oldest out.
                Deque<Entry> h = histories.get(inFlight.key());
                if (inFlight.op().equals("purge")) {
                    h.forEach(e -> live.remove(e.rev()));
                } else if (!h.isEmpty()) {
                    live.remove(h.getFirst().rev());
                }
            }
            return live;
        }

        void apply(String key, Entry e, int history) {
            Deque<Entry> h = histories.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (e.op().equals("PURGE")) {
                h.forEach(old -> gone.add(old.rev()));
                h.clear();
            }
            h.addLast(e);
            while (h.size() > history) {
                gone.add(h.removeFirst().rev());
            }
            bytes.put(e.rev(), e.bytes(key));
            lastAcked = Math.max(lastAcked, e.rev());
        }
    }

    @Test
    void everyKeysAcknowledgedHistoryAndValueIsWhatEveryReaderServesAfterKillNine() throws Exception {
        int trials = Integer.getInteger("jetstart.kv.crash.trials", 4);
        long seed = Long.getLong("jetstart.kv.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        int history = 3 + random.nextInt(3);
        System.out.println("[it] KvCrashIT: " + trials + " trials, history " + history + ", seed " + seed);
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        Path base = Files.createDirectories(tmp.resolve("base"));
        KvCrashChild.fill(base, history);
        String stream = KeyValueConfig.of(KvCrashChild.BUCKET).streamName();
        for (int t = 0; t < trials; t++) {
            String context = "trial " + t + " (seed " + seed + ", history " + history + ")";
            Path trial = tmp.resolve("trial-" + t);
            Path store = StoreFiles.copy(base, trial.resolve("store"));
            Path out = trial.resolve("child.stdout");
            Path err = trial.resolve("child.stderr");
            long syncMs = 10 + random.nextInt(191);
            Process p = CrashReaders.startChild(KvCrashChild.class, store, random.nextLong(), out, err, Long.toString(syncMs));
            CrashReaders.waitForLine(p, out, err, "ready", context);
            Thread.sleep(200 + random.nextInt(1800));
            assertThat(p.isAlive()).as(context + ": the child is still running at the kill:\n" + Files.readString(err)).isTrue();
            CrashReaders.kill(p);
            Replay r = replay(CrashReaders.lines(out), history);
            String at = context + ", sync every " + syncMs + " ms: after " + r.done + " operations"
                    + (r.inFlight == null ? "" : ", in flight: " + r.inFlight);
            InFlight f = r.inFlight;
            byte[] inFlightBytes = f == null ? new byte[0] : new Entry(0, f.kvOp(), f.n()).bytes(f.key());
            List<Seen> seen = CrashReaders.readAll(store, trial, stream, servers,
                    new Expected(r.live(), r.gone, seq -> r.bytes.getOrDefault(seq, inFlightBytes)), random, at,
                    CrashReaders.Keys.NONE, true);
            System.out.println("[it] KvCrashIT " + at + ": " + seen.getFirst() + ", " + seen.get(1));
            for (Seen s : seen) {
                assertThat(s.last()).as(at + ": " + s.who() + " last").isGreaterThanOrEqualTo(r.lastAcked);
            }
            Path bare = StoreFiles.copy(store, trial.resolve("kv-bare"));
            Files.deleteIfExists(bare.resolve("jetstart.lock"));
            StoreFiles.deleteIndexDbs(bare);
            for (Path from : List.of(store, bare)) {
                String how = from == bare ? "without index.db" : "index.db as left";
                Path runtimeCopy = StoreFiles.copy(from, trial.resolve("kv-runtime" + (from == bare ? "-bare" : "")));
                Files.deleteIfExists(runtimeCopy.resolve("jetstart.lock"));
                sameKeys(at, "the runtime's KeyValue, " + how, r, runtimeKeys(runtimeCopy));
                for (NatsServerBinary b : servers) {
                    Path copy = StoreFiles.copy(from, trial.resolve("kv-" + b.version() + (from == bare ? "-bare" : "")).resolve("store"));
                    sameKeys(at, "jnats's KeyValue through " + b + ", " + how, r, jnatsKeys(b, copy));
                }
            }
        }
    }

    private static Replay replay(List<String> lines, int history) {
        Replay r = new Replay();
        for (long n = 0; n < KvCrashChild.FILLED; n++) {
            r.apply(KvCrashChild.key((int) (n % KvCrashChild.KEYS)), new Entry(n + 1, "PUT", n), history);
        }
        for (String line : lines) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "ready" -> {
                }
                case "doing" -> r.inFlight = new InFlight(w[1], w[2], Long.parseLong(w[3]));
                case "done" -> {
                    InFlight f = r.inFlight;
                    r.apply(f.key(), new Entry(Long.parseLong(w[1]), f.kvOp(), f.n()), history);
                    r.inFlight = null;
                    r.done++;
                }
                default -> throw new AssertionError("child line not understood: " + line);
            }
        }
        return r;
    }

    /** What a reader read of one key: its history's lines, then its value's revision ("get none" without one). */
    record KeyRead(List<String> history, String get) {
    }

    /**
     * Each key's history and value as {@code reader} read them against the acknowledged ones. The
     * key in flight may also read as after its operation, its entry last at a revision after the
     * last acknowledged: a put, update, create or delete marker with the key's history before it,
     * its oldest entry pushed out by the history limit or not yet; a purge marker with any of the
     * entries before it still there (its rollup removes them one by one, each with its tombstone,
     * and the kill may fall among them: nothing acknowledged is lost, and nats-server's rollup,
     * a store and then a purge of the subject, is no more atomic).
     */
    private static void sameKeys(String at, String reader, Replay r, Map<String, KeyRead> read) {
        List<String> problems = new ArrayList<>();
        for (int k = 0; k < KvCrashChild.KEYS; k++) {
            String key = KvCrashChild.key(k);
            KeyRead got = read.get(key);
            Deque<Entry> h = r.histories.getOrDefault(key, new ArrayDeque<>());
            KeyRead acked = expected(key, h);
            if (!got.equals(acked) && !afterInFlight(key, r, h, got)) {
                problems.add(key + ": read " + got + ", acknowledged " + acked + (r.inFlight == null ? "" : ", in flight " + r.inFlight));
            }
        }
        assertThat(problems).as(at + ": " + reader).isEmpty();
    }

    /** Whether {@code got} is the key's history {@code h} after the operation in flight (see {@link #sameKeys}). */
    private static boolean afterInFlight(String key, Replay r, Deque<Entry> h, KeyRead got) {
        InFlight f = r.inFlight;
        if (f == null || !f.key().equals(key) || got.history().isEmpty()) {
            return false;
        }
        long rev = Long.parseLong(got.history().getLast().split(" ")[0]);
        Entry e = new Entry(rev, f.kvOp(), f.n());
        if (rev <= r.lastAcked || !got.history().getLast().equals(e.line(key))
                || !got.get().equals(e.op().equals("PUT") ? "get " + rev : "get none")) {
            return false;
        }
        List<String> before = got.history().subList(0, got.history().size() - 1);
        List<String> old = h.stream().map(x -> x.line(key)).toList();
        if (!f.op().equals("purge")) {
            return before.equals(old) || !old.isEmpty() && before.equals(old.subList(1, old.size()));
        }
        // A rollup in flight: any of the entries before it, in their order.
        int i = 0;
        for (String line : old) {
            if (i < before.size() && before.get(i).equals(line)) {
                i++;
            }
        }
        return i == before.size();
    }

    private static KeyRead expected(String key, Deque<Entry> h) {
        List<String> lines = h.stream().map(e -> e.line(key)).toList();
        return new KeyRead(lines, h.isEmpty() || !h.getLast().op().equals("PUT") ? "get none" : "get " + h.getLast().rev());
    }

    private static Map<String, KeyRead> runtimeKeys(Path store) throws Exception {
        Map<String, KeyRead> out = new HashMap<>();
        try (JetStartStore js = JetStart.open(store, KvCrashChild.options())) {
            KeyValue kv = js.keyValue(KvCrashChild.BUCKET);
            for (int k = 0; k < KvCrashChild.KEYS; k++) {
                String key = KvCrashChild.key(k);
                List<String> lines = new ArrayList<>();
                for (KeyValueEntry e : kv.history(key)) {
                    lines.add(e.revision() + " " + e.operation().name() + " "
                            + Base64.getEncoder().encodeToString(e.value() == null ? new byte[0] : e.value()));
                }
                out.put(key, new KeyRead(lines, kv.get(key).map(e -> "get " + e.revision()).orElse("get none")));
            }
        }
        return out;
    }

    private static Map<String, KeyRead> jnatsKeys(NatsServerBinary b, Path store) throws Exception {
        Map<String, KeyRead> out = new HashMap<>();
        try (NatsServerProcess server = NatsServerProcess.start(b, store, store.getParent(), ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            io.nats.client.KeyValue kv = client.connection().keyValue(KvCrashChild.BUCKET);
            for (int k = 0; k < KvCrashChild.KEYS; k++) {
                String key = KvCrashChild.key(k);
                List<String> lines = new ArrayList<>();
                for (io.nats.client.api.KeyValueEntry e : kv.history(key)) {
                    // jnats names the marker DELETE; its header value, and the runtime's name, is DEL.
                    String op = e.getOperation() == io.nats.client.api.KeyValueOperation.DELETE ? "DEL" : e.getOperation().name();
                    lines.add(e.getRevision() + " " + op + " "
                            + Base64.getEncoder().encodeToString(e.getValue() == null ? new byte[0] : e.getValue()));
                }
                io.nats.client.api.KeyValueEntry e = kv.get(key);
                out.put(key, new KeyRead(lines, e == null ? "get none" : "get " + e.getRevision()));
            }
        }
        return out;
    }
}
