package io.jetstart.runtime;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Chooses, at a stream's hand-over to its writer, the block its new records go to: its last block
 * when that one can be appended to as nats-server would, else a new block after it (with a
 * tombstone first where the sequences must not be used again). What it found on the way (a
 * missing, compressed or damaged last block) is kept as the store's {@link #problems}.
 *
 * <p>On every served stream's way (the package note: no lambdas, no pattern switches here).
 */
final class TailOpener {
    /** A last block up to this size is read at hand-over into an array of its own, not a pooled buffer ({@link #open}). */
    static final long SMALL_TAIL_BYTES = 256L << 10;

    private final CountingDiskGate gate;
    private final BlockBuffers buffers;
    private final HashChoice hashChoice;
    private final List<Problem> problems = new CopyOnWriteArrayList<>();

    TailOpener(CountingDiskGate gate, BlockBuffers buffers, HashChoice hashChoice) {
        this.gate = gate;
        this.buffers = buffers;
        this.hashChoice = hashChoice;
    }

    /** What was found while taking streams over (damaged or compressed last blocks), in the order found. */
    List<Problem> problems() {
        return List.copyOf(problems);
    }

    /**
     * The block new records go to. Never one whose tail is torn or damaged (the server would cut
     * everything after the damage, new records included) and never a compressed one: those stay as
     * they are and a new block follows. A last sequence that no block holds any more (a lost tail,
     * kept from index.db) gets its tombstone first, as nats-server writes it, so it is never reused.
     */
    TailBlock open(StreamStore store, StreamMutator state) throws IOException, InterruptedException, StoreException {
        String name = store.name();
        StreamSealing sealing = new StreamSealing(store.keys(), hashChoice);
        long last = state.lastBlockIndex();
        Path file = state.lastBlockFile();
        if (last == 0) {
            long first = TailBlock.nextIndex(state.msgsDir(), 0);
            state.startBlock(first);
            return sealing.newBlock(state.msgsDir(), name, first);
        }
        if (file == null) {
            long next = TailBlock.nextIndex(state.msgsDir(), last - 1);
            state.startBlock(next);
            TailBlock t = sealing.newBlock(state.msgsDir(), name, next);
            t.appendTombstone(state.lastSeq(), state.lastTs());
            return t;
        }
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            int len;
            byte[] buf = null;
            try {
                // A small tail (a small stream's) is read into an array of its own size: a pooled
                // buffer is at least 1 MiB, a new array on the store's first lease, and filled
                // through a memory mapping, both meant for 8 MiB blocks (docs/benchmarks-passes.md,
                // "Per-stream readiness", eighth pass).
                long size = gate.run(io.jetstart.core.io.FileChecks.size(file));
                if (size <= SMALL_TAIL_BYTES) {
                    buf = BlockFiles.readSmallFile(file, BlockBuffers.MAX_BLOCK_BYTES, gate);
                    len = buf.length;
                } else {
                    len = BlockFiles.readRaw(file, buffers, lease, gate);
                    buf = lease[0].array();
                }
            } catch (java.nio.file.NoSuchFileException e) {
                len = -1;
            }
            if (len < 0) {
                problems.add(Problem.warning(file, "last block is missing; new records go to block " + (last + 1)));
                return startAfter(state, sealing, name, last);
            }
            // Read as stored: an encrypted block is decrypted whole, as the server loads a block,
            // before its envelope and records are looked at.
            java.util.Optional<io.jetstart.core.crypto.BlockKeystream> keystream = state.blockKeystream(last);
            if (keystream.isPresent()) {
                keystream.get().xor(buf, 0, len, 0);
            }
            boolean compressed;
            try {
                compressed = CompressionEnvelope.originalSize(buf, len).isPresent();
            } catch (FormatException e) {
                compressed = true;
            }
            if (compressed) {
                problems.add(Problem.warning(file, "last block is compressed; new records go to block " + (last + 1)));
                return startAfter(state, sealing, name, last);
            }
            BlockScan scan = new BlockScanner(name, hashChoice.forCheckOf(len)).scan(last, buf, len);
            if (!scan.complete()) {
                problems.add(Problem.damage(file, scan.problem().offset(), "last block ends in damage (" + scan.problem().reason()
                        + "); left as it is, new records go to block " + TailBlock.nextIndex(state.msgsDir(), last)));
                state.lastBlockEndsInDamage();
                return startAfterDamage(state, sealing, name, file, last, buf, len, scan, keystream.orElse(null));
            }
            if (sealing.encrypted() != keystream.isPresent()) {
                // A plain block in an encrypted stream (or the reverse): appended to as it is, the
                // server would read half of it wrong. Leave it, start a block of the stream's kind.
                problems.add(Problem.warning(file, "last block is " + (keystream.isPresent() ? "" : "not ")
                        + "encrypted unlike its stream; new records go to block " + TailBlock.nextIndex(state.msgsDir(), last)));
                return startAfter(state, sealing, name, last);
            }
            if (gate.run(io.jetstart.core.io.FileChecks.exists(state.msgsDir().resolve(last + ".idx")))) {
                // nats-server 2.9 left the records an interest or work-queue stream removed in place
                // and kept their deletes in the block's .idx alone, which is used only while its
                // checksum is the block's last: an append makes it stale, and a rebuild without
                // index.db then brought every such message back (HostileStoreRuntimeTest).
                problems.add(Problem.warning(file, "last block has a nats-server 2.9 index (" + last
                        + ".idx) that an append would make stale; new records go to block " + TailBlock.nextIndex(state.msgsDir(), last)));
                return startAfterLegacyTail(state, sealing, name, file, last, scan, keystream.orElse(null));
            }
            TailBlock adopted = TailBlock.adopt(file, name, last, buf, len, keystream.orElse(null), hashChoice);
            state.appendingToLastBlock();
            return adopted;
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    /**
     * The new block after a last block that ends in damage. Its first sequence is above every one the
     * damaged block still holds: the state's last, or a higher one of a verified record past the
     * damage ({@link SequencesPastDamage}). When a rebuild without {@code index.db} would find a lower
     * last (it stops at the damage), a tombstone of that last is the new block's first record, as for
     * a lost tail: HostileStoreRuntimeTest found sequences reused, on a 2.9 store (its {@code .idx}
     * keeps no last a rebuild takes) and on a 2.10 one whose {@code index.db} the writer removes while
     * a block before the last ends in damage (the next open rebuilt to the damage and reused them).
     * No tombstone when the rebuild finds the last itself, or when the last is a live message: it
     * would delete that message.
     */
    private TailBlock startAfterDamage(StreamMutator state, StreamSealing sealing, String name, Path file, long last, byte[] buf, int len,
                                       BlockScan scan, io.jetstart.core.crypto.BlockKeystream sealedBy) throws IOException, InterruptedException {
        long records = SequencesPastDamage.highest(name, last, buf, len, scan, hashChoice.forCheckOf(len));
        long past = Math.max(records, SequencesPastDamage.fromLegacyIndex(state.msgsDir().resolve(last + ".idx"), sealedBy, scan, gate));
        List<StreamMutator.BlockSpan> spans = state.blocks();
        long before = spans.size() >= 2 ? spans.get(spans.size() - 2).lastSeq() : 0;
        long rebuilt = Math.max(before, scan.lastSeq());
        if (records > 0) {
            // Whole messages past the damage: the block must outlive the removal of those it counts.
            state.lastBlockHoldsRecordsPastDamage();
        }
        TailBlock t = startAfter(state, sealing, name, last);
        if (past > state.lastSeq()) {
            problems.add(Problem.warning(file, "sequence " + past
                    + " found past the damage of block " + last + " (its records or its .idx) is beyond the last sequence " + state.lastSeq()
                    + "; kept (a tombstone of it starts the new block)"));
            state.keepLastSeqPastDamage(past);
        }
        // Not over a live last: a 2.9 block with a bad record read through its .idx counts its last
        // message past the damage, a rebuild reads it through the .idx again, and the tombstone
        // deleted it at the next open (DamagedLegacyBlockServedTest).
        if (state.lastSeq() > rebuilt && !state.isLive(state.lastSeq())) {
            t.appendTombstone(state.lastSeq(), state.lastTs());
        }
        return t;
    }

    /**
     * The new block after a last block that has a 2.9 {@code .idx}. Its first sequence is above the
     * {@code .idx}'s last too: a block cut at a record boundary (its tail lost, nothing damaged) no
     * longer matches its {@code .idx} and rebuilds to a lower last, and the next publish reused a
     * sequence the store had used (HostileStoreRuntimeTest, seed 32: 2.9.10's INT1 cut after 691 of
     * 1,000; nats-server 2.9.10 rebuilds such a block and would reuse them). A tombstone of that last
     * starts the new block, as after damage.
     */
    private TailBlock startAfterLegacyTail(StreamMutator state, StreamSealing sealing, String name, Path file, long last,
                                           BlockScan scan, io.jetstart.core.crypto.BlockKeystream sealedBy) throws IOException, InterruptedException {
        long past = SequencesPastDamage.fromLegacyIndex(state.msgsDir().resolve(last + ".idx"), sealedBy, scan, gate);
        TailBlock t = startAfter(state, sealing, name, last);
        if (past > state.lastSeq()) {
            problems.add(Problem.warning(file, "sequence " + past + " named by " + last + ".idx is beyond the last sequence "
                    + state.lastSeq() + " of block " + last + "'s records (its tail was lost); kept (a tombstone of it starts the new block)"));
            state.keepLastSeqPastDamage(past);
            t.appendTombstone(state.lastSeq(), state.lastTs());
        }
        return t;
    }

    private static TailBlock startAfter(StreamMutator state, StreamSealing sealing, String name, long last) throws IOException {
        long next = TailBlock.nextIndex(state.msgsDir(), last);
        state.startBlock(next);
        return sealing.newBlock(state.msgsDir(), name, next);
    }
}
