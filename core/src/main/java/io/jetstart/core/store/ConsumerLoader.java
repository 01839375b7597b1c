package io.jetstart.core.store;

import io.jetstart.core.crypto.ConsumerKeys;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.ConsumerMeta;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Loads one consumer of an opened stream (spec 5.2 steps 1–4 and 6): its meta files, its
 * {@code o.dat}, and the checks against the stream. Only reads the stream, so the consumers of a
 * stream can load in parallel.
 *
 * <p>Where nats-server (2.12.4+) deletes a consumer whose {@code o.dat} does not decode, we fail
 * that consumer with the file and offset and leave the directory alone.
 */
public final class ConsumerLoader {
    private ConsumerLoader() {
    }

    /** Loads with the newest line's rules (2.14+ reconciles a consumer ahead of its stream). */
    public static RestoredConsumer load(StreamStore s, String consumerName) throws StoreException, InterruptedException {
        return load(s, consumerName, ServerLine.NEWEST);
    }

    /** Loads as {@code line} restores it. */
    public static RestoredConsumer load(StreamStore s, String consumerName, ServerLine line)
            throws StoreException, InterruptedException {
        Path dir = s.dir.resolve("obs").resolve(consumerName);
        ConsumerKeys keys = consumerKeys(s, dir);
        ConsumerMeta meta;
        try {
            meta = MetaFiles.readConsumer(dir, s.name, s.ctx.gate(), keys, s.ctx.firstRead());
        } catch (MetaException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.getMessage()).with(ServerAction.SKIP_CONSUMER), e);
        } catch (InterruptedIOException e) {
            // Cancelled while waiting for a disk permit or reading: not a damaged consumer.
            throw io.jetstart.core.io.Interrupts.cancelled("consumer meta files", e);
        }
        Path odat = dir.resolve("o.dat");
        ConsumerState state = null;
        try {
            state = ConsumerStateFile.read(odat, keys, s.ctx.gate(), s.ctx.firstRead());
        } catch (DecryptionException e) {
            throw new StoreException(Problem.fatal(odat, -1, "consumer state unreadable: " + e.reason()), e);
        } catch (FormatException e) {
            refuseIfKeyed(dir, keys, s);
            throw new StoreException(Problem.fatal(odat, e.offset(), "consumer state unreadable: " + e.reason()
                    + " (nats-server 2.12.4+ would delete this consumer)").with(ServerAction.DELETE_CONSUMER_DIR), e);
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(odat, -1, "cannot read consumer state: " + e.getMessage())
                    .with(ServerAction.DELETE_CONSUMER_DIR), e);
        }
        RestoredConsumer c = new RestoredConsumer(consumerName, dir, meta.config(), state);
        // Not ifPresent(lambda): its class would be spun at every JVM's first consumer, with or
        // without a warning, on the way of the first stream with consumers (the package note).
        if (meta.checksumWarning().isPresent()) {
            c.problems.add(Problem.warning(dir.resolve("meta.sum"), meta.checksumWarning().get()));
            c.doubt = "its meta.sum does not match its meta.inf (" + meta.checksumWarning().get() + "); nats-server would deliver "
                    + "it as that file reads, which may not be the consumer that was created";
        } else if (!meta.config().name().isEmpty() && !meta.config().name().equals(consumerName)) {
            // The server would add a consumer of the file's name, with its store in obs/<that name>
            // (a new directory, no state), and leave this directory unloaded.
            String named = "names consumer '" + meta.config().name() + "', not its directory's '" + consumerName
                    + "' (nats-server would start '" + meta.config().name() + "' anew in its own directory and leave this one unloaded)";
            c.doubt = "its meta.inf " + named;
            c.problems.add(Problem.warning(dir.resolve("meta.inf"), "consumer meta.inf " + named));
        } else {
            String refused = ConsumerRestoreRefusals.reason(meta.config(), s.config);
            if (refused != null) {
                // Valid JSON, matching checksum, but the server would not add it at start: it
                // logs the reason and the consumer is gone there (OddConsumerConfigIT).
                refuse(c, refused);
            }
        }
        if (state == null) {
            // No o.dat: the server's HasState is false, so it starts from the deliver policy. An
            // empty o.dat exists, so the server reads it as a zero state (delivered 0, ack floor 0)
            // and does not look at the policy: that is ConsumerState.EMPTY, applied above.
            startFromPolicy(s, c, line);
        }
        checkRedelivered(s, c);
        checkPendingRange(c);
        reconcileWithStream(s, c, line.reconcilesConsumerAheadOfStream());
        return c;
    }

    /** Marks {@code c} as a consumer nats-server would not add at start, for {@code reason} (its words). */
    private static void refuse(RestoredConsumer c, String reason) {
        c.doubt = "nats-server would not restore it: " + reason;
        c.serverSkips = true;
        c.problems.add(Problem.warning(c.dir.resolve("meta.inf"), "consumer meta.inf not restored by nats-server: " + reason));
    }

    /**
     * The rule nats-server checks a work-queue stream's consumer against those it restored before
     * it ({@code addConsumerWithAssignment}, in {@code os.ReadDir} order, the order of
     * {@code loaded}): a consumer without a filter is refused once another is there ("multiple
     * non-filtered consumers not allowed on workqueue stream", 10099, on 2.10.27 and 2.15.1:
     * OddConsumerConfigIT). Filters that overlap those of one restored before are only warned about
     * at start ("it should be administratively deleted"), and both are restored: the later one gets
     * a warning naming the other and the subjects. Run once every consumer of the stream is loaded,
     * as they load in parallel.
     */
    public static void checkTogether(StreamStore s, java.util.List<RestoredConsumer> loaded) {
        if (s.config.retention() != io.jetstart.core.meta.StreamConfig.Retention.WORKQUEUE) {
            return;
        }
        java.util.List<RestoredConsumer> restored = new java.util.ArrayList<>();
        for (RestoredConsumer c : loaded) {
            if (c.serverSkips) {
                continue;
            }
            boolean partitioned = !c.config.flag("direct") && !c.config.flag("sourcing");
            if (partitioned && !restored.isEmpty() && c.config.filterSubjects().isEmpty()) {
                refuse(c, "multiple non-filtered consumers not allowed on workqueue stream");
                continue;
            }
            if (partitioned) {
                warnOverlaps(c, restored);
            }
            restored.add(c);
        }
    }

    /**
     * The server's {@code partitionUnique} against the consumers restored before {@code c}: each one
     * whose filters collide with c's is named, with the subjects (2.10.27 and 2.15.1 restore both and
     * warn; 2.15.1 refuses such a create, 10100). Both are delivered, and on 2.10 an ack of either
     * removes a message both match (its work-queue {@code ackMsg} asks no other consumer).
     */
    private static void warnOverlaps(RestoredConsumer c, java.util.List<RestoredConsumer> before) {
        for (RestoredConsumer o : before) {
            if (o.config.flag("direct") || o.config.flag("sourcing")) {
                continue;
            }
            java.util.List<String[]> pairs = ConsumerConfigRules.overlaps(c.config.filterSubjects(), o.config.filterSubjects());
            if (pairs.isEmpty()) {
                continue;
            }
            StringBuilder subjects = new StringBuilder();
            for (String[] p : pairs) {
                subjects.append(subjects.length() == 0 ? "" : ", ").append('\'').append(p[0]).append("' with '").append(p[1]).append('\'');
            }
            String others = o.config.filterSubjects().isEmpty() ? " (it has no filter)" : "";
            c.problems.add(Problem.warning(c.dir.resolve("meta.inf"), "consumer meta.inf filter overlaps consumer '" + o.name
                    + "'" + others + " on a work-queue stream: " + subjects + "; nats-server restores both with a warning (\"it "
                    + "should be administratively deleted\") and refuses such a create (10100 filtered consumer not unique on workqueue stream)"));
        }
    }

    /**
     * An {@code o.dat} that does not decode, of a consumer whose {@code meta.key} was not looked for
     * ({@link ConsumerKeys#IN_PLAIN_STREAM}): a key file there means a sealed state, refused as
     * {@link MetaFiles#readConsumer} refuses a consumer with a key file, naming it.
     */
    private static void refuseIfKeyed(Path dir, ConsumerKeys keys, StreamStore s) throws StoreException, InterruptedException {
        if (keys.encrypted() || !keys.keyFileRuledOut()) {
            return;
        }
        try {
            MetaFiles.refuseEncryptedConsumer(dir, s.ctx.gate());
        } catch (MetaException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.getMessage()).with(ServerAction.SKIP_CONSUMER), e);
        } catch (InterruptedIOException e) {
            throw io.jetstart.core.io.Interrupts.cancelled("consumer meta files", e);
        }
    }

    /**
     * The consumer's keys from its meta.key (context "<stream>.<consumer>"); plain when it has none.
     * In a stream whose own key file is ruled out, read without a key, the consumer's is not looked
     * for unless its files do not read as plain ({@link ConsumerKeys#IN_PLAIN_STREAM}).
     */
    private static ConsumerKeys consumerKeys(StreamStore s, Path dir) throws StoreException, InterruptedException {
        Path keyFile = dir.resolve("meta.key");
        try {
            if (s.keys.encrypted() || s.ctx.key() != null) {
                return s.keys.consumer(dir, s.ctx.gate());
            }
            return s.keys.keyFileRuledOut() ? ConsumerKeys.IN_PLAIN_STREAM : ConsumerKeys.PLAIN;
        } catch (DecryptionException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.reason()), e);
        } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
            throw io.jetstart.core.io.Interrupts.cancelled(keyFile, e);
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(keyFile, -1, "cannot read the consumer key file: " + e.getMessage()), e);
        }
    }

    /**
     * No {@code o.dat}: nats-server's {@code selectStartingSeqNo} ({@link StartPosition}, the rule
     * the runtime uses for a new consumer), then {@code SetStarting(start - 1)}, which writes the
     * delivered stream sequence, and the ack floor too only from 2.14 ({@code ackFloorToo}); the
     * re-read in {@code setLeader} is what the info shows.
     */
    private static void startFromPolicy(StreamStore s, RestoredConsumer c, ServerLine line)
            throws StoreException, InterruptedException {
        com.fasterxml.jackson.databind.JsonNode j = c.config.json();
        long optTime = j.hasNonNull("opt_start_time") ? GoTime.parse(j.get("opt_start_time").asText()) : 0;
        StartPosition.Request r = new StartPosition.Request(c.config.deliverPolicy(), j.path("opt_start_seq").asLong(0),
                optTime, c.config.filterSubjects(), s.config.maxMsgsPerSubject());
        StartPosition at = StartPosition.select(new StoreStartSource(s), r, line);
        long start = Math.max(1, at.sseq());
        c.deliveredStream = start - 1;
        c.ackFloorStream = line.storesStartAsAckFloor() ? start - 1 : 0;
    }

    /**
     * The server only ever writes pending entries in (ack floor, delivered]; one outside says the
     * file was not written by a server (or was damaged without breaking its varints: o.dat has no
     * checksum, spec 5.1). Reported, and kept as the server would keep it.
     */
    private static void checkPendingRange(RestoredConsumer c) {
        // A loop, not a stream pipeline: once per consumer, thousands of times in a fresh JVM's
        // recovery of many streams, where a pipeline runs uncompiled.
        long outside = 0;
        for (long seq : c.pending.keySet()) {
            if (seq > c.deliveredStream) {
                outside++;
            }
        }
        if (outside > 0) {
            c.problems.add(Problem.warning(c.dir.resolve("o.dat"), outside + " pending entries beyond the delivered stream sequence "
                    + c.deliveredStream));
        }
        if (c.ackFloorStream > c.deliveredStream || c.ackFloorConsumer > c.deliveredConsumer) {
            c.problems.add(Problem.warning(c.dir.resolve("o.dat"), "ack floor " + c.ackFloorConsumer + "/" + c.ackFloorStream
                    + " is ahead of delivered " + c.deliveredConsumer + "/" + c.deliveredStream));
        }
    }

    /** checkRedelivered: redelivery counts below the stream's first sequence are gone. */
    private static void checkRedelivered(StreamStore s, RestoredConsumer c) {
        // A loop, not removeIf(lambda): run for every consumer restored (the package note).
        for (java.util.Iterator<Long> it = c.redelivered.keySet().iterator(); it.hasNext(); ) {
            if (it.next() < s.firstSeq) {
                it.remove();
            }
        }
    }

    /**
     * nats-server 2.14+ (PR #7692) pulls a consumer that is ahead of its stream back to the
     * stream's last sequence; 2.12 and older leave it ahead. Either way it is reported.
     */
    private static void reconcileWithStream(StreamStore s, RestoredConsumer c, boolean reconcile) {
        if (c.deliveredStream <= s.lastSeq) {
            if (c.ackFloorStream > s.lastSeq) {
                c.problems.add(Problem.warning(c.dir.resolve("o.dat"), "ack floor " + c.ackFloorStream
                        + " is ahead of the stream's last sequence " + s.lastSeq));
            }
            return;
        }
        if (!reconcile) {
            c.problems.add(Problem.warning(c.dir.resolve("o.dat"), "delivered sequence " + c.deliveredStream
                    + " past last stream sequence of " + s.lastSeq + "; left ahead (as nats-server 2.12 and older)"));
            return;
        }
        c.problems.add(Problem.warning(c.dir.resolve("o.dat"), "delivered sequence " + c.deliveredStream
                + " past last stream sequence of " + s.lastSeq + "; reconciled to the stream (as nats-server 2.14+)"));
        c.deliveredStream = s.lastSeq;
        if (c.ackFloorStream > s.lastSeq) {
            c.ackFloorStream = s.lastSeq;
        }
        dropAbove(c.pending, s.lastSeq);
        dropAbove(c.redelivered, s.lastSeq);
    }

    private static void dropAbove(java.util.Map<Long, Long> bySeq, long lastSeq) {
        for (java.util.Iterator<Long> it = bySeq.keySet().iterator(); it.hasNext(); ) {
            if (it.next() > lastSeq) {
                it.remove();
            }
        }
    }

    /**
     * checkPending, which the server runs as the consumer starts (setLeader): entries below the
     * stream's first sequence or at/below the ack floor leave the pending map and raise the floors.
     * The server's store takes the raised floors only through its Update; the runtime does those
     * steps on o.dat itself (its ConsumerDelivery.restore), this is the report's view.
     */
    static void checkPending(StreamStore s, RestoredConsumer c) {
        for (Iterator<Map.Entry<Long, Long>> it = c.pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> e = it.next();
            long sseq = e.getKey();
            if (sseq < s.firstSeq || sseq <= c.ackFloorStream) {
                if (sseq > c.ackFloorStream) {
                    c.ackFloorStream = sseq;
                }
                if (e.getValue() > c.ackFloorConsumer) {
                    c.ackFloorConsumer = e.getValue();
                }
                it.remove();
            }
        }
    }
}
