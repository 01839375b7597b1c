package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamView;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 publishers on virtual threads, 4 readers, a deleter and a purger on one stream at once. The
 * invariants: every ack has its own sequence and together they are 1..last with no gap; readers
 * only ever see whole messages that were published, at sequences the view has committed; the
 * final counts equal published minus removed, and a fresh recovery of the files reports the same.
 */
class ConcurrencyHammerTest {
    private static final int PUBLISHERS = 64;
    private static final int PER_PUBLISHER = 150;

    @TempDir
    Path dir;

    private static byte[] payload(int publisher, int i) {
        return ByteBuffer.allocate(16).putInt(publisher).putInt(i).putLong(publisher * 1_000_003L + i).array();
    }

    private static boolean wellFormed(byte[] p) {
        if (p.length != 16) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        int publisher = b.getInt();
        int i = b.getInt();
        return b.getLong() == publisher * 1_000_003L + i;
    }

    @Test
    void publishersReadersDeletesAndPurgesAtOnceKeepEveryInvariant() throws Exception {
        long seed = System.nanoTime();
        ConcurrentHashMap<Long, byte[]> acked = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong removed = new AtomicLong();
        AtomicBoolean publishing = new AtomicBoolean(true);
        StreamView last;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"H\",\"subjects\":[\"h.*\"]}"));
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                int publisher = p;
                publishers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < PER_PUBLISHER; i++) {
                            byte[] body = payload(publisher, i);
                            PublishAck ack = s.publish("h." + (publisher % 8), body);
                            if (acked.putIfAbsent(ack.seq(), body) != null) {
                                problems.add("sequence " + ack.seq() + " acked twice");
                            }
                        }
                    } catch (Exception e) {
                        problems.add("publisher " + publisher + ": " + e);
                    }
                }));
            }
            List<Thread> others = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                Random random = new Random(seed + r);
                others.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int n = 0; publishing.get(); n++) {
                            if (n % 16 == 0) {
                                // Readers take turns with the writer on two cores instead of starving it.
                                Thread.sleep(1);
                            }
                            StreamView v = s.info();
                            if (v.lastSeq() == 0) {
                                continue;
                            }
                            long seq = 1 + Math.floorMod(random.nextLong(), v.lastSeq());
                            Optional<StoredMessage> m = s.get(seq);
                            if (m.isPresent() && !wellFormed(m.get().payload())) {
                                problems.add("reader saw a damaged payload at " + seq);
                            }
                            if (m.isPresent() && m.get().seq() != seq) {
                                problems.add("reader asked for " + seq + " and got " + m.get().seq());
                            }
                        }
                    } catch (Exception e) {
                        problems.add("reader: " + e);
                    }
                }));
            }
            Random random = new Random(seed);
            others.add(Thread.ofVirtual().start(() -> {
                try {
                    while (publishing.get()) {
                        long lastSeq = s.info().lastSeq();
                        if (lastSeq > 10) {
                            long seq = 1 + Math.floorMod(random.nextLong(), lastSeq);
                            try {
                                s.delete(seq);
                                removed.incrementAndGet();
                            } catch (JetStreamApiException e) {
                                if (e.errCode() != 10057 && e.errCode() != 10043) {
                                    problems.add("delete: " + e);
                                }
                            }
                        }
                        Thread.sleep(1);
                    }
                } catch (Exception e) {
                    problems.add("deleter: " + e);
                }
            }));
            others.add(Thread.ofVirtual().start(() -> {
                try {
                    int n = 0;
                    while (publishing.get()) {
                        Thread.sleep(50);
                        removed.addAndGet(s.purge(new PurgeRequest("h." + (n++ % 8), 2, 0)));
                    }
                } catch (Exception e) {
                    problems.add("purger: " + e);
                }
            }));
            for (Thread t : publishers) {
                t.join();
            }
            publishing.set(false);
            for (Thread t : others) {
                t.join();
            }
            last = s.info();
        }
        assertThat(problems).as("seed " + seed).isEmpty();
        long published = (long) PUBLISHERS * PER_PUBLISHER;
        assertThat(acked).as("one ack per message, seed " + seed).hasSize((int) published);
        assertThat(acked.keySet().stream().mapToLong(Long::longValue).max().orElse(0)).as("acks are 1..last without a gap")
                .isEqualTo(published);
        assertThat(last.lastSeq()).isEqualTo(published);
        assertThat(last.messages()).as("published minus removed, seed " + seed).isEqualTo(published - removed.get());
        StreamState rescan = recovered(dir, "H");
        assertThat(rescan.messages()).isEqualTo(last.messages());
        assertThat(rescan.bytes()).isEqualTo(last.bytes());
        assertThat(rescan.firstSeq()).isEqualTo(last.firstSeq());
        assertThat(rescan.lastSeq()).isEqualTo(last.lastSeq());
    }
}
