package io.jetstart.core.format;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes {@code obs/<consumer>/o.dat}, a consumer's delivery and acknowledgement state
 * (spec §5.1; nats-server {@code filestore.go: decodeConsumerState}, {@code store.go:
 * encodeConsumerState}).
 *
 * <pre>
 *  u8       magic = 22 (0x16)
 *  u8       version: 2 (written); 1 or 2 (read)
 *  uvarint  AckFloor.Consumer   (adflr)
 *  uvarint  AckFloor.Stream     (asflr)
 *  uvarint  Delivered.Consumer  v1: stored minus (adflr - 1) when adflr &gt; 1
 *  uvarint  Delivered.Stream    v1: stored minus (asflr - 1) when asflr &gt; 1
 *  uvarint  numPending
 *  if numPending &gt; 0:
 *    varint   baseSec            writer's "now" rounded to the second
 *    numPending x {
 *      uvarint  sseq - asflr
 *      uvarint  dseq - adflr      (v2 only)
 *      varint   baseSec - tsSec   (v2)   |  v1: tsSec - baseSec
 *    }
 *  uvarint  numRedelivered      (always written)
 *  numRedelivered x {
 *    uvarint  sseq - asflr        an entry with delta 0 or count 0 is skipped on read
 *    uvarint  count
 *  }
 * </pre>
 *
 * <p>No checksum, no trailer. A zero-length file means "no state".
 *
 * <p>Design note: everything is stored as a delta from the ack floors, so a consumer that keeps up
 * writes a handful of one-byte varints; the whole file is rewritten on every flush, and that is
 * cheap only because it is this small. Timestamps keep whole seconds (enough to schedule
 * redeliveries). The reader is deliberately lopsided, as nats-server's is: a damaged header or
 * pending list is corruption, but a damaged redelivery tail only loses redelivery counts, which
 * the server rebuilds as it redelivers.
 *
 * <p>Where this reader is stricter than nats-server: a pending count that cannot fit in the bytes
 * that remain is refused before anything is allocated (the server would fail on the first
 * truncated varint anyway), and a pending timestamp that does not fit in int64 nanoseconds
 * (more than 292 years from 1970) is corruption here, where Go would silently wrap it.
 */
public final class ConsumerStateCodec {
    /** The file store's magic byte, shared by {@code o.dat}, {@code .idx} and the AVL encoding. */
    public static final int MAGIC = 22;
    /** The version this codec writes. */
    public static final int VERSION = 2;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Smallest v2 pending entry: three one-byte varints. v1 has no consumer seq, so two bytes. */
    private static final int MIN_PENDING_ENTRY_V2 = 3;
    private static final int MIN_PENDING_ENTRY_V1 = 2;

    private ConsumerStateCodec() {
    }

    /**
     * Decodes an {@code o.dat} exactly as nats-server does (§5.1 decoding rules).
     *
     * @return {@link ConsumerState#EMPTY} for a zero-length file
     * @throws FormatException where the server reports {@code errCorruptState} or
     *                         {@code unsupported version}, with the offset and what was found
     */
    public static ConsumerState decode(byte[] file) throws FormatException {
        if (file.length == 0) {
            return ConsumerState.EMPTY;
        }
        if (file.length < 2) {
            throw new FormatException(0, "o.dat header needs 2 bytes (magic, version), file has " + file.length);
        }
        int magic = file[0] & 0xff;
        if (magic != MAGIC) {
            throw new FormatException(0, "expected magic " + MAGIC + " (0x16), found " + magic);
        }
        int version = file[1] & 0xff;
        if (version != 1 && version != 2) {
            throw new FormatException(1, "unsupported version: " + version + " (expected 1 or 2)");
        }
        ByteReader r = new ByteReader(file, 2, file.length - 2);
        long ackConsumer = r.uvarint("AckFloor.Consumer");
        long ackStream = r.uvarint("AckFloor.Stream");
        long deliveredConsumer = r.uvarint("Delivered.Consumer");
        int deliveredStreamAt = r.position();
        long deliveredStream = r.uvarint("Delivered.Stream");
        if (version == 1) {
            // v1 stored "next to deliver"; nats-server moves it back by the floor, unsigned.
            if (Long.compareUnsigned(ackConsumer, 1) > 0) {
                deliveredConsumer += ackConsumer - 1;
            }
            if (Long.compareUnsigned(ackStream, 1) > 0) {
                deliveredStream += ackStream - 1;
            }
        }
        // nats-server refuses these ("protect against rolling backwards"): a stream sequence this
        // large can only come from damage, and accepting it would move the consumer past every
        // message the stream will ever hold.
        if (ackStream < 0 || deliveredStream < 0) {
            throw new FormatException(deliveredStreamAt, "stream sequence with bit 63 set: AckFloor.Stream "
                    + Long.toUnsignedString(ackStream) + ", Delivered.Stream " + Long.toUnsignedString(deliveredStream));
        }
        SequencePair ackFloor = new SequencePair(ackConsumer, ackStream);
        SequencePair delivered = new SequencePair(deliveredConsumer, deliveredStream);

        int numPendingAt = r.position();
        long numPending = r.uvarint("numPending");
        long baseSeconds = 0;
        List<ConsumerState.Pending> pending = List.of();
        if (numPending != 0) {
            baseSeconds = r.varint("pending base timestamp");
            pending = readPending(r, version, numPending, numPendingAt, ackFloor, baseSeconds);
        }
        List<ConsumerState.Redelivery> redelivered = readRedelivered(r, ackStream);
        return new ConsumerState(version, delivered, ackFloor, baseSeconds, pending, redelivered);
    }

    private static List<ConsumerState.Pending> readPending(ByteReader r, int version, long numPending, int numPendingAt,
                                                           SequencePair ackFloor, long baseSeconds) throws FormatException {
        if (numPending < 0) {
            // Go loops "i < int(numPending)", which is negative here: no entries, no error.
            return List.of();
        }
        int minEntry = version == 2 ? MIN_PENDING_ENTRY_V2 : MIN_PENDING_ENTRY_V1;
        if (numPending > r.remaining() / minEntry) {
            throw new FormatException(numPendingAt, "numPending " + numPending + " entries of at least " + minEntry
                    + " bytes each cannot fit in the " + r.remaining() + " bytes that remain");
        }
        // Keyed by stream sequence as the server's map is: a repeated sequence keeps the last entry.
        LinkedHashMap<Long, ConsumerState.Pending> bySeq = LinkedHashMap.newLinkedHashMap((int) numPending);
        for (long i = 0; i < numPending; i++) {
            int at = r.position();
            long sseq = r.uvarint("pending stream seq delta") + ackFloor.streamSeq();
            long dseq = version == 2 ? r.uvarint("pending consumer seq delta") + ackFloor.consumerSeq() : 0;
            long stored = r.varint("pending timestamp");
            if (sseq == 0) {
                throw new FormatException(at, "pending entry " + i + " has stream sequence 0 (delta + AckFloor.Stream "
                        + Long.toUnsignedString(ackFloor.streamSeq()) + " wraps to 0)");
            }
            long ts;
            try {
                long seconds = version == 2 ? Math.subtractExact(baseSeconds, stored) : Math.addExact(stored, baseSeconds);
                ts = Math.multiplyExact(seconds, NANOS_PER_SECOND);
            } catch (ArithmeticException overflow) {
                throw new FormatException(at, "pending entry " + i + " timestamp (base " + baseSeconds + " s, stored "
                        + stored + " s) does not fit in int64 nanoseconds");
            }
            bySeq.put(sseq, new ConsumerState.Pending(sseq, dseq, ts));
        }
        return new ArrayList<>(bySeq.values());
    }

    private static List<ConsumerState.Redelivery> readRedelivered(ByteReader r, long ackStream) {
        long numRedelivered;
        try {
            numRedelivered = r.uvarint("numRedelivered");
        } catch (FormatException truncated) {
            // The server's reader does not check varint errors past the pending list.
            return List.of();
        }
        LinkedHashMap<Long, ConsumerState.Redelivery> bySeq = new LinkedHashMap<>();
        // numRedelivered < 0 as signed: Go's "i < int(n)" runs zero times.
        for (long i = 0; i < numRedelivered; i++) {
            long delta;
            long count;
            try {
                delta = r.uvarint("redelivered seq delta");
                count = r.uvarint("redelivered count");
            } catch (FormatException truncated) {
                break; // a truncated tail yields fewer entries, as in nats-server
            }
            // The test is on the stored delta, before the floor is added (same in 2.9.10 and HEAD).
            if (delta != 0 && count != 0) {
                long seq = delta + ackStream;
                bySeq.put(seq, new ConsumerState.Redelivery(seq, count));
            }
        }
        return new ArrayList<>(bySeq.values());
    }

    /**
     * Encodes a state as version 2, keeping list order and {@code baseSeconds} (so a decoded v2
     * file re-encodes to the same bytes).
     *
     * @throws IllegalArgumentException if the state breaks the invariants nats-server enforces on
     *                                  update: AckFloor &le; Delivered for both sequences, every
     *                                  pending stream sequence in (AckFloor.Stream, Delivered.Stream],
     *                                  and no sequence listed twice
     */
    public static byte[] encode(ConsumerState state) {
        SequencePair ack = state.ackFloor();
        SequencePair del = state.delivered();
        if (Long.compareUnsigned(ack.consumerSeq(), del.consumerSeq()) > 0) {
            throw new IllegalArgumentException("bad ack floor for consumer: AckFloor.Consumer "
                    + Long.toUnsignedString(ack.consumerSeq()) + " > Delivered.Consumer " + Long.toUnsignedString(del.consumerSeq()));
        }
        if (Long.compareUnsigned(ack.streamSeq(), del.streamSeq()) > 0) {
            throw new IllegalArgumentException("bad ack floor for stream: AckFloor.Stream "
                    + Long.toUnsignedString(ack.streamSeq()) + " > Delivered.Stream " + Long.toUnsignedString(del.streamSeq()));
        }
        Set<Long> seen = new HashSet<>();
        for (ConsumerState.Pending p : state.pending()) {
            if (Long.compareUnsigned(p.streamSeq(), ack.streamSeq()) <= 0 || Long.compareUnsigned(p.streamSeq(), del.streamSeq()) > 0) {
                throw new IllegalArgumentException("bad pending entry, sequence " + Long.toUnsignedString(p.streamSeq())
                        + " outside (" + Long.toUnsignedString(ack.streamSeq()) + ", " + Long.toUnsignedString(del.streamSeq()) + "]");
            }
            if (!seen.add(p.streamSeq())) {
                throw new IllegalArgumentException("pending sequence " + Long.toUnsignedString(p.streamSeq()) + " listed twice");
            }
        }
        seen.clear();
        for (ConsumerState.Redelivery rd : state.redelivered()) {
            if (!seen.add(rd.streamSeq())) {
                throw new IllegalArgumentException("redelivered sequence " + Long.toUnsignedString(rd.streamSeq()) + " listed twice");
            }
        }

        ByteWriter w = new ByteWriter(16 + 12 * state.pending().size() + 8 * state.redelivered().size());
        w.u8(MAGIC).u8(VERSION);
        w.uvarint(ack.consumerSeq()).uvarint(ack.streamSeq()).uvarint(del.consumerSeq()).uvarint(del.streamSeq());
        w.uvarint(state.pending().size());
        if (!state.pending().isEmpty()) {
            long base = state.baseSeconds();
            w.varint(base);
            for (ConsumerState.Pending p : state.pending()) {
                w.uvarint(p.streamSeq() - ack.streamSeq());
                w.uvarint(p.consumerSeq() - ack.consumerSeq());
                // Go's integer division truncates toward zero; so does Java's.
                w.varint(base - p.timestampNanos() / NANOS_PER_SECOND);
            }
        }
        w.uvarint(state.redelivered().size());
        for (ConsumerState.Redelivery rd : state.redelivered()) {
            w.uvarint(rd.streamSeq() - ack.streamSeq());
            w.uvarint(rd.count());
        }
        return w.toByteArray();
    }

    /**
     * The base a writer stores for "now": Go's {@code time.Now().Round(time.Second).Unix()}, which
     * rounds a half second up.
     */
    public static long baseSecondsAt(Instant now) {
        return now.getEpochSecond() + (now.getNano() >= 500_000_000 ? 1 : 0);
    }
}
