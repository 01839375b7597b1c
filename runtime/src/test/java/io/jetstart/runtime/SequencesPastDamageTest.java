package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sequences are never reused after damage: a last block that ends in damage is left as it is and
 * the writer starts a new block above every sequence the damaged block still holds, and that holds
 * on the next open too, whatever index the store keeps (found by {@link HostileStoreRuntimeTest}).
 */
class SequencesPastDamageTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /**
     * LIM1 holds 1..1000 in one block; a payload bit of 500 is flipped. 2.15 keeps index.db; the
     * writer removes a 2.10 store's index.db while a block before the last ends in damage, and the
     * next open rebuilt to 499 and published 500 (a sequence 1.blk still holds); a 2.9 store has no
     * index.db and its rebuild stopped at 499 on the first open already.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nats-2.9.10-small", "nats-2.10.27-small", "nats-2.15.1-small"})
    void aFlipInTheLastBlockNeverLetsALaterOpenReuseASequenceTheBlockHolds(String fixture) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Path blk = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        byte[] b = io.jetstart.core.testing.StoreFaults.flipPayloadBit(blk, 500);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            assertThat(rt.stream("LIM1").await(AWAIT).info().lastSeq()).isEqualTo(1000);
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM1").await(AWAIT);
            assertThat(s.info().lastSeq()).isEqualTo(1000);
            assertThat(s.publish("lim1.x", new byte[] {1}).seq()).isEqualTo(1001);
        }
        assertThat(Arrays.equals(Files.readAllBytes(blk), b)).as("the damaged block is left as it was").isTrue();
    }

    /**
     * The same with the block cut inside a record: only a 2.9 {@code .idx} (no index.db) still knows
     * 1000. MAX1 (max_msgs 800) cut inside 90: 2.9 removed 1..200 in place, so the index starts at
     * 201, above every record the cut left (the campaign's seed 7 published 97 there). Those 89
     * records stay removed, as 2.9.10 keeps the .idx's first in its rebuild (it serves none of them;
     * docs/format-notes.md), so the block holds no message and the runtime removes it as emptied.
     */
    @ParameterizedTest
    @CsvSource({"LIM1, 700", "MAX1, 90"})
    void aCutLastBlockOfA29StoreKeepsTheLastSequenceItsIdxNames(String stream, long cutIn) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/" + stream + "/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        RecordCursor c = new RecordCursor().wrap(b, b.length);
        int cut = -1;
        while (c.next()) {
            if (c.seq() == cutIn) {
                cut = c.offset() + 10;
            }
        }
        Files.write(blk, Arrays.copyOf(b, cut));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream(stream).await(AWAIT);
            assertThat(s.info().lastSeq()).isEqualTo(1000);
            if (stream.equals("MAX1")) {
                assertThat(s.info().messages()).as("2.9.10 serves none of 1..89").isZero();
            }
            assertThat(s.publish(stream.toLowerCase() + ".x", new byte[] {1}).seq()).isEqualTo(1001);
        }
        if (stream.equals("MAX1")) {
            assertThat(blk).as("a block holding only records 2.9 removed, emptied").doesNotExist();
        } else {
            assertThat(Files.size(blk)).as("nothing appended to the cut block").isEqualTo(cut);
        }
    }
    /**
     * A flip in the first record of a 2.9 block: nats-server 2.9.10 trusts the block's {@code .idx}
     * (its checksum is the block's last) and goes on at 1001; the rebuild from the records finds none
     * before the damage. The campaign's seed 31 (LIM1 1.blk, bit 1 of byte 5: the first record's
     * sequence) published 1 there, a sequence the store had used.
     */
    @ParameterizedTest
    @CsvSource({"LIM1, 5", "LIM1, 30", "MAX1, 5"})
    void aFlipInTheFirstRecordOfA29BlockKeepsTheLastSequenceItsIdxNames(String stream, int offset) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/" + stream + "/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        b[offset] ^= 2;
        Files.write(blk, b);
        long first;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream(stream).await(AWAIT);
            assertThat(s.info().lastSeq()).isEqualTo(1000);
            first = s.publish(stream.toLowerCase() + ".x", new byte[] {1}).seq();
            assertThat(first).isEqualTo(1001);
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream(stream).await(AWAIT);
            assertThat(s.get(first)).as("the message published past the damage").isPresent();
            assertThat(s.publish(stream.toLowerCase() + ".x", new byte[] {2}).seq()).isEqualTo(1002);
        }
        assertThat(Arrays.equals(Files.readAllBytes(blk), b)).as("the damaged block is left as it was").isTrue();
    }
}
