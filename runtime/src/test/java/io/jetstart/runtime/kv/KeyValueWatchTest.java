package io.jetstart.runtime.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyValueWatchTest {
    /** Marks endOfData in the recorded sequence. */
    private static final String END = "<end>";

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Records "key=value@rev op" lines, and END, in delivery order. */
    private static final class Recorder implements KeyValueWatcher {
        final LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        final List<KeyValueEntry> entries = new ArrayList<>();

        @Override
        public void watch(KeyValueEntry e) {
            synchronized (entries) {
                entries.add(e);
            }
            seen.add(e.key() + "=" + e.valueAsString() + "@" + e.revision() + " " + e.operation());
        }

        @Override
        public void endOfData() {
            seen.add(END);
        }

        /** The next n deliveries; fails when they do not come within 10 s (a hang, not a timing assertion). */
        List<String> next(int n) throws InterruptedException {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String s = seen.poll(10, TimeUnit.SECONDS);
                assertThat(s).as("delivery %d of %d, after %s", i + 1, n, out).isNotNull();
                out.add(s);
            }
            return out;
        }
    }

    private KeyValue bucket(JetStartStore store) throws Exception {
        KeyValue kv = store.createKeyValue(KeyValueConfig.of("w").withHistory(5));
        kv.put("a", b("1"));
        kv.put("b", b("1"));
        kv.put("a", b("2"));
        kv.put("c", b("1"));
        kv.delete("c");
        kv.put("x.y", b("1"));
        return kv;
    }

    @Test
    void aWatchDeliversTheLatestEntryOfEachKeyThenEndOfDataThenEveryUpdateInOrder() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            Recorder r = new Recorder();
            try (KeyValueWatch w = kv.watch(">", r)) {
                assertThat(r.next(5)).containsExactly("b=1@2 PUT", "a=2@3 PUT", "c=@5 DEL", "x.y=1@6 PUT", END);
                kv.put("b", b("2"));
                kv.purge("a");
                kv.put("d", b("new"));
                assertThat(r.next(3)).containsExactly("b=2@7 PUT", "a=@8 PURGE", "d=new@9 PUT");
                assertThat(w.lastRevision()).isEqualTo(9);
            }
            synchronized (r.entries) {
                assertThat(r.entries.subList(0, 4)).extracting(KeyValueEntry::delta).containsExactly(3L, 2L, 1L, 0L);
            }
        }
    }

    @Test
    void aWatchOnAnEmptyBucketEndsItsInitialDataAtOnceAndDeliversEachLaterPutOnce() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("empty").withHistory(64));
            Recorder r = new Recorder();
            try (KeyValueWatch w = kv.watch(">", r)) {
                List<String> expected = new ArrayList<>();
                expected.add(END);
                for (int i = 1; i <= 50; i++) {
                    kv.put("k", b("v" + i));
                    expected.add("k=v" + i + "@" + i + " PUT");
                }
                assertThat(r.next(51)).containsExactlyElementsOf(expected);
                kv.put("k", b("last"));
                assertThat(r.next(1)).as("nothing delivered twice before it").containsExactly("k=last@51 PUT");
            }
        }
    }

    @Test
    void aPatternLimitsTheWatchToItsKeys() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            Recorder r = new Recorder();
            try (KeyValueWatch w = kv.watch("x.*", r)) {
                assertThat(r.next(2)).containsExactly("x.y=1@6 PUT", END);
                kv.put("a", b("3"));
                kv.put("x.z", b("1"));
                assertThat(r.next(1)).containsExactly("x.z=1@8 PUT");
            }
        }
    }

    @Test
    void includeHistoryStartsWithEveryStoredEntry() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            Recorder r = new Recorder();
            try (KeyValueWatch w = kv.watch("a", r, WatchOption.INCLUDE_HISTORY)) {
                assertThat(r.next(3)).containsExactly("a=1@1 PUT", "a=2@3 PUT", END);
            }
        }
    }

    @Test
    void updatesOnlySignalsEndOfDataFirstAndDeliversOnlyNewEntries() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            Recorder r = new Recorder();
            try (KeyValueWatch w = kv.watch(">", r, WatchOption.UPDATES_ONLY)) {
                assertThat(r.next(1)).containsExactly(END);
                kv.put("a", b("3"));
                assertThat(r.next(1)).containsExactly("a=3@7 PUT");
            }
        }
    }

    @Test
    void ignoreDeleteLeavesOutDeleteAndPurgeMarkersAndMetaOnlyTheValues() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            Recorder r = new Recorder();
            try (KeyValueWatch w = kv.watch(">", r, WatchOption.IGNORE_DELETE, WatchOption.META_ONLY)) {
                assertThat(r.next(4)).containsExactly("b=@2 PUT", "a=@3 PUT", "x.y=@6 PUT", END);
                kv.purge("b");
                kv.put("b", b("back"));
                assertThat(r.next(1)).containsExactly("b=@8 PUT");
            }
        }
    }

    @Test
    void concurrentWritersAreSeenOnceEachInRevisionOrder() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("busy").withHistory(64));
            Recorder r = new Recorder();
            int writers = 4;
            int each = 250;
            try (KeyValueWatch w = kv.watch(">", r, WatchOption.UPDATES_ONLY)) {
                assertThat(r.next(1)).containsExactly(END);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < writers; t++) {
                    int id = t;
                    threads.add(Thread.ofVirtual().start(() -> {
                        try {
                            for (int i = 0; i < each; i++) {
                                kv.put("k" + id + "." + (i % 7), b(id + ":" + i));
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                r.next(writers * each);
            }
            List<Long> revisions;
            synchronized (r.entries) {
                revisions = r.entries.stream().map(KeyValueEntry::revision).toList();
            }
            assertThat(revisions).hasSize(writers * each);
            for (int i = 0; i < revisions.size(); i++) {
                assertThat(revisions.get(i)).as("entry %d", i).isEqualTo(i + 1L);
            }
        }
    }

    @Test
    void aWatcherThatThrowsEndsItsWatchWithTheFailure() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            KeyValueWatch w = kv.watch(">", e -> {
                throw new IllegalStateException("watcher broke at " + e.revision());
            });
            try {
                while (w.isActive()) {
                    Thread.sleep(5);
                }
                assertThat(w.failure()).get().extracting(Throwable::getMessage).isEqualTo("watcher broke at 2");
            } finally {
                w.close();
            }
        }
    }

    @Test
    void closingTheStoreEndsItsWatches() throws Exception {
        KeyValueWatch w;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            KeyValue kv = bucket(store);
            Recorder r = new Recorder();
            w = kv.watch(">", r);
            r.next(5);
        }
        w.close();
        assertThat(w.isActive()).isFalse();
        assertThat(w.failure()).isEmpty();
    }

    /**
     * The watch's thread, parked waiting for a commit, is gone once the store's close returns. It
     * used to wait up to a second (a bounded wait) before noticing the store had closed.
     */
    @Test
    void noWatchThreadIsAliveOnceTheStoresCloseReturns() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        KeyValue kv = bucket(store);
        Recorder r = new Recorder();
        KeyValueWatch w = kv.watch(">", r);
        assertThat(r.next(5)).endsWith(END);
        Thread t = w.thread();
        // Parked in its wait for a commit (nothing else parks it once its initial data is out).
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }

        store.close();

        assertThat(t.isAlive()).isFalse();
        assertThat(w.isActive()).isFalse();
        assertThat(w.failure()).isEmpty();
    }

    /**
     * A watch started while the store's close runs, after close has told the listeners it knew of
     * that it is closing: held there by a commit listener's storeClosing (an ordering seam, no
     * timing). The watch is refused ("store ... is closed", as a createStream then would be); it used
     * to start a thread that close never heard of, which called the watcher after close returned.
     */
    @Test
    void aWatchStartedWhileTheStoreClosesIsRefusedAndNoWatchThreadOutlivesTheClose() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        KeyValue kv = store.createKeyValue(KeyValueConfig.of("late"));
        java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch watchTried = new java.util.concurrent.CountDownLatch(1);
        store.addCommitListener(new io.jetstart.runtime.CommitListener() {
            @Override
            public void batchCommitted(CommittedBatch batch) {
            }

            @Override
            public void storeClosing() {
                closing.countDown();
                try {
                    watchTried.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        java.util.concurrent.CountDownLatch watcherReleased = new java.util.concurrent.CountDownLatch(1);
        KeyValueWatcher holdsItsThread = new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
            }

            @Override
            public void endOfData() {
                try {
                    watcherReleased.await(); // a late watch's thread stays alive here until the test lets it go
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Thread closer = Thread.ofPlatform().name("closer").start(() -> {
            try {
                store.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        closing.await();

        KeyValueWatch late = null;
        Throwable refused = null;
        try {
            late = kv.watch(">", holdsItsThread);
        } catch (IllegalStateException e) {
            refused = e;
        } finally {
            watchTried.countDown();
        }
        closer.join();
        boolean lateThreadAlive = late != null && late.isActive();
        watcherReleased.countDown();

        assertThat(lateThreadAlive).as("a watch thread alive after close() returned").isFalse();
        assertThat(refused).as("the watch started after close began").isNotNull()
                .hasMessage("store " + dir + " is closed");
    }
}
