package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jetstart.runtime.kv.KeyValue;
import io.jetstart.runtime.kv.KeyValueConfig;
import io.jetstart.runtime.kv.KeyValueEntry;
import io.jetstart.runtime.kv.KeyValueOperation;
import io.jetstart.runtime.kv.KeyValueWatch;
import io.jetstart.runtime.kv.KeyValueWatcher;
import io.jetstart.runtime.kv.WatchOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key/value bucket under many writers (put, create, update and delete at an expected revision,
 * delete, purge) on overlapping keys, with watchers of every kind open throughout and two started
 * midway. Invariants: each watcher sees its keys' entries in revision order, once each, as written,
 * missing only what the history limit or a purge removed, and ending at each key's last entry; a
 * write at an expected revision succeeds exactly when that was the key's latest; a stale revision
 * fails with 10071; history depth holds; a reopen gives the same get, keys and history.
 */
class KeyValueHammerTest {
    private static final int WRITERS = 8;
    private static final int OPS = 300;
    private static final int HISTORY = 4;
    private static final List<String> KEYS = List.of("a.0", "a.1", "a.2", "a.3", "b.0", "b.1", "b.2", "b.3");

    @TempDir
    Path root;

    /** One successful write. */
    private record Write(String key, KeyValueOperation op, byte[] value, long expected) {
    }

    /** A watcher that records what it got and complains about what is out of order. */
    private static final class Recorder implements KeyValueWatcher {
        final String name;
        final Predicate<String> keys;
        final EnumSet<WatchOption> options;
        final List<KeyValueEntry> got = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<String> problems;
        volatile long startedAfter;
        KeyValueWatch watch;

        Recorder(String name, Predicate<String> keys, ConcurrentLinkedQueue<String> problems, WatchOption... options) {
            this.name = name;
            this.keys = keys;
            this.problems = problems;
            this.options = options.length == 0 ? EnumSet.noneOf(WatchOption.class) : EnumSet.copyOf(Arrays.asList(options));
        }

        @Override
        public void watch(KeyValueEntry e) {
            if (!got.isEmpty() && got.getLast().revision() >= e.revision()) {
                problems.add(name + ": revision " + e.revision() + " after " + got.getLast().revision());
            }
            got.add(e);
        }
    }

    @Test
    void writersOnOverlappingKeysWithWatchersOpenKeepEveryKeyValueInvariant() throws Exception {
        for (long seed : HammerRuns.seeds()) {
            Path dir = Files.createTempDirectory(root, "r");
            assertTimeoutPreemptively(Duration.ofMinutes(5), () -> round(seed, dir), "hang guard, seed " + seed);
        }
    }

    private void round(long seed, Path dir) throws Exception {
        String at = "seed " + seed;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Map<Long, Write> log = new ConcurrentHashMap<>();
        List<Recorder> recorders = new ArrayList<>();
        Map<String, List<KeyValueEntry>> histories = new TreeMap<>();
        Map<String, Object> gets = new TreeMap<>();
        List<String> keys;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("hk").withHistory(HISTORY));
            recorders.add(new Recorder("all", k -> true, problems));
            recorders.add(new Recorder("a.*", k -> k.startsWith("a."), problems));
            recorders.add(new Recorder("ignore deletes", k -> true, problems, WatchOption.IGNORE_DELETE));
            recorders.add(new Recorder("b.> history meta", k -> k.startsWith("b."), problems,
                    WatchOption.INCLUDE_HISTORY, WatchOption.META_ONLY));
            for (Recorder r : recorders) {
                r.watch = kv.watch(patternOf(r.name), r, r.options.toArray(WatchOption[]::new));
            }
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Random random = new Random(seed * 31 + w);
                writers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < OPS; i++) {
                            write(kv, KEYS.get(random.nextInt(KEYS.size())), ("w" + writer + "." + i).getBytes(StandardCharsets.UTF_8),
                                    random, log, problems);
                        }
                    } catch (Exception e) {
                        problems.add("writer " + writer + ": " + e);
                    }
                }));
            }
            // Two watches started while the writers run: updates only, and with history.
            Thread.sleep(5 + new Random(seed).nextInt(20));
            for (Recorder r : List.of(new Recorder("updates only", k -> true, problems, WatchOption.UPDATES_ONLY),
                    new Recorder("midway history", k -> true, problems, WatchOption.INCLUDE_HISTORY))) {
                r.watch = kv.watch(">", r, r.options.toArray(WatchOption[]::new));
                // Its start sequence is read after this: everything past it must reach the watcher.
                r.startedAfter = kv.stream().info().lastSeq();
                recorders.add(r);
            }
            for (Thread t : writers) {
                t.join();
            }
            assertThat(problems).as(at).isEmpty();
            long last = kv.stream().info().lastSeq();
            assertThat(log).as("one revision per successful write, " + at).hasSize((int) last);
            for (Recorder r : recorders) {
                // Caught up: the last revision of its keys handed over (or skipped, a marker it ignores).
                long target = log.entrySet().stream().filter(e -> r.keys.test(e.getValue().key())).mapToLong(Map.Entry::getKey)
                        .max().orElse(0);
                while (r.watch.lastRevision() < target && r.watch.isActive()) {
                    Thread.sleep(2);
                }
                assertThat(r.watch.failure()).as(r.name + ", " + at).isEmpty();
            }
            TreeMap<Long, Write> ordered = new TreeMap<>(log);
            checkExpectations(ordered, at);
            for (Recorder r : recorders) {
                checkWatcher(kv, r, ordered, at);
            }
            for (String key : KEYS) {
                List<KeyValueEntry> history = kv.history(key);
                assertThat(history.stream().map(KeyValueEntry::revision).toList()).as("history of " + key + ", " + at)
                        .isEqualTo(expectedHistory(ordered, key));
                histories.put(key, history);
                gets.put(key, kv.get(key).map(KeyValueEntry::revision).orElse(-1L));
                Map.Entry<Long, Write> latest = ordered.descendingMap().entrySet().stream()
                        .filter(e -> e.getValue().key().equals(key)).findFirst().orElse(null);
                if (latest != null && latest.getValue().op() == KeyValueOperation.PUT) {
                    // A create of a live key fails, with the key's revision in the message.
                    assertThatThrownBy(() -> kv.create(key, new byte[] {1})).as(at)
                            .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                                assertThat(e.errCode()).isEqualTo(10071);
                                assertThat(e.getMessage()).contains("wrong last sequence: " + latest.getKey());
                            });
                }
            }
            keys = kv.keys();
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.stream("KV_hk").await(Duration.ofSeconds(30));
            KeyValue kv = store.keyValue("hk");
            assertThat(kv.keys()).as("keys after a reopen, " + at).isEqualTo(keys);
            for (String key : KEYS) {
                assertThat(kv.history(key)).as("history of " + key + " after a reopen, " + at).isEqualTo(histories.get(key));
                assertThat((Object) kv.get(key).map(KeyValueEntry::revision).orElse(-1L)).as(key + " after a reopen, " + at)
                        .isEqualTo(gets.get(key));
            }
        }
    }

    private static String patternOf(String name) {
        return switch (name) {
            case "a.*" -> "a.*";
            case "b.> history meta" -> "b.>";
            default -> ">";
        };
    }

    private static void write(KeyValue kv, String key, byte[] value, Random random, Map<Long, Write> log,
                              ConcurrentLinkedQueue<String> problems) throws Exception {
        int roll = random.nextInt(100);
        if (roll < 35) {
            log.put(kv.put(key, value), new Write(key, KeyValueOperation.PUT, value, -1));
            return;
        }
        if (roll < 45) {
            log.put(kv.delete(key), new Write(key, KeyValueOperation.DEL, new byte[0], -1));
            return;
        }
        if (roll < 50) {
            log.put(kv.purge(key), new Write(key, KeyValueOperation.PURGE, new byte[0], -1));
            return;
        }
        if (roll < 60) {
            try {
                // Checked below: what it wrote on had no live value.
                log.put(kv.create(key, value), new Write(key, KeyValueOperation.PUT, value, -2));
            } catch (JetStreamApiException e) {
                if (e.errCode() != 10071) {
                    problems.add("create " + key + ": " + e);
                }
            }
            return;
        }
        // At an expected revision: the key's latest as read now, which another writer may overtake.
        List<KeyValueEntry> history = kv.history(key);
        long expected = history.isEmpty() ? 0 : history.getLast().revision();
        if (roll < 70 && history.size() > 1) {
            long stale = history.get(history.size() - 2).revision();
            try {
                kv.update(key, value, stale);
                problems.add("update of " + key + " at stale revision " + stale + " (seen " + expected + ") succeeded");
            } catch (JetStreamApiException e) {
                if (e.errCode() != 10071) {
                    problems.add("stale update " + key + ": " + e);
                }
            }
            return;
        }
        try {
            if (roll < 92) {
                log.put(kv.update(key, value, expected), new Write(key, KeyValueOperation.PUT, value, expected));
            } else {
                log.put(kv.delete(key, expected), new Write(key, KeyValueOperation.DEL, new byte[0], expected));
            }
        } catch (JetStreamApiException e) {
            if (e.errCode() != 10071) {
                problems.add("update " + key + " at " + expected + ": " + e);
            }
        }
    }

    /** Each write at an expected revision landed on exactly that revision; each create on no live value. */
    private static void checkExpectations(TreeMap<Long, Write> ordered, String at) {
        Map<String, Long> latest = new TreeMap<>();
        Map<String, KeyValueOperation> latestOp = new TreeMap<>();
        for (Map.Entry<Long, Write> e : ordered.entrySet()) {
            Write w = e.getValue();
            long before = latest.getOrDefault(w.key(), 0L);
            if (w.expected() >= 0) {
                assertThat(before).as("write at " + e.getKey() + " expected " + w.key() + " at " + w.expected() + ", " + at)
                        .isEqualTo(w.expected());
            } else if (w.expected() == -2) {
                assertThat(latestOp.get(w.key())).as("create at " + e.getKey() + " over a live " + w.key() + ", " + at)
                        .isNotEqualTo(KeyValueOperation.PUT);
            }
            latest.put(w.key(), e.getKey());
            latestOp.put(w.key(), w.op());
        }
    }

    private static void checkWatcher(KeyValue kv, Recorder r, TreeMap<Long, Write> ordered, String at) throws Exception {
        String as = r.name + ", " + at;
        Map<Long, KeyValueEntry> byRevision = new TreeMap<>();
        for (KeyValueEntry e : r.got) {
            Write w = ordered.get(e.revision());
            assertThat(w).as("watched revision " + e.revision() + " was written, " + as).isNotNull();
            assertThat(e.key()).as(as).isEqualTo(w.key());
            assertThat(r.keys.test(e.key())).as(e.key() + " matches, " + as).isTrue();
            assertThat(e.operation()).as(as).isEqualTo(w.op());
            assertThat(e.value()).as(as).isEqualTo(r.options.contains(WatchOption.META_ONLY) ? new byte[0] : w.value());
            if (r.options.contains(WatchOption.IGNORE_DELETE)) {
                assertThat(e.operation()).as(as).isEqualTo(KeyValueOperation.PUT);
            }
            assertThat(byRevision.put(e.revision(), e)).as("revision " + e.revision() + " once, " + as).isNull();
        }
        for (Map.Entry<Long, Write> e : ordered.entrySet()) {
            Write w = e.getValue();
            if (!r.keys.test(w.key()) || e.getKey() <= r.startedAfter || byRevision.containsKey(e.getKey())
                    || (r.options.contains(WatchOption.IGNORE_DELETE) && w.op() != KeyValueOperation.PUT)) {
                continue;
            }
            // Missed: only if the history limit or a purge has removed it since.
            assertThat(kv.stream().get(e.getKey())).as("revision " + e.getKey() + " of " + w.key() + " still stored but never watched, " + as)
                    .isEmpty();
        }
        for (String key : KEYS) {
            if (!r.keys.test(key)) {
                continue;
            }
            Map.Entry<Long, Write> lastWrite = ordered.descendingMap().entrySet().stream()
                    .filter(e -> e.getValue().key().equals(key)).findFirst().orElse(null);
            if (lastWrite == null || lastWrite.getKey() <= r.startedAfter
                    || (r.options.contains(WatchOption.IGNORE_DELETE) && lastWrite.getValue().op() != KeyValueOperation.PUT)) {
                continue;
            }
            long lastSeen = r.got.stream().filter(e -> e.key().equals(key)).mapToLong(KeyValueEntry::revision).max().orElse(0);
            assertThat(lastSeen).as("the last entry of " + key + ", " + as).isEqualTo(lastWrite.getKey());
        }
    }

    /** The key's entries since its last purge marker (included), the newest HISTORY of them. */
    private static List<Long> expectedHistory(TreeMap<Long, Write> ordered, String key) {
        List<Long> revs = new ArrayList<>();
        for (Map.Entry<Long, Write> e : ordered.entrySet()) {
            if (!e.getValue().key().equals(key)) {
                continue;
            }
            if (e.getValue().op() == KeyValueOperation.PURGE) {
                revs.clear();
            }
            revs.add(e.getKey());
        }
        return revs.subList(Math.max(0, revs.size() - HISTORY), revs.size());
    }
}
