package io.jetstart.core.lines;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A nats-server release line, and the restore and settle rules in which the lines differ
 * (docs/compatibility.md, "Rules by server line", lists each rule with its source and proof).
 *
 * <p>Each line is modelled on one release ({@link #modelledOn()}): the Debian builds the project
 * runs (2.9.10, 2.10.27, 2.15.1) and, for the lines without a Debian build, the newest tag read
 * (2.11.17, 2.12.15, 2.14.5). Where a rule changed inside a line (e.g. 2.10.29 reports the stored
 * ack floor like 2.11.3+), the model release decides and the compatibility page says so.
 *
 * <p>Design note: the rules are predicates on the line, not version arithmetic spread over the
 * settlement code, so each place that differs asks one named question and the table in the docs
 * maps one to one onto these methods.
 */
public enum ServerLine {
    V2_9("2.9", "2.9.10"),
    V2_10("2.10", "2.10.27"),
    V2_11("2.11", "2.11.17"),
    V2_12("2.12", "2.12.15"),
    V2_14("2.14", "2.14.5"),
    V2_15("2.15", "2.15.1");

    /** What is assumed when the files say nothing newer: the newest line. */
    public static final ServerLine NEWEST = V2_15;

    /**
     * Made on the first {@link #parse}, not with the enum: every stream's recovery uses the lines,
     * and a fresh JVM would compile this pattern on the first stream's way (package-info).
     */
    private static final class Version {
        static final Pattern PATTERN = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.\\d+)?");
    }

    private final String label;
    private final String modelledOn;

    ServerLine(String label, String modelledOn) {
        this.label = label;
        this.modelledOn = modelledOn;
    }

    /** "2.10". */
    public String label() {
        return label;
    }

    /** The release whose behaviour this line stands for, e.g. "2.10.27". */
    public String modelledOn() {
        return modelledOn;
    }

    /**
     * Parses "2.10", "2.10.27" or "v2.10.27" (the patch is accepted and ignored: the line is
     * modelled on {@link #modelledOn()}).
     *
     * @throws IllegalArgumentException naming the accepted lines
     */
    public static ServerLine parse(String text) {
        Matcher m = Version.PATTERN.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            String line = m.group(1) + "." + m.group(2);
            for (ServerLine l : values()) {
                if (l.label.equals(line)) {
                    return l;
                }
            }
        }
        throw new IllegalArgumentException("unknown nats-server line '" + text + "'; expected one of "
                + Arrays.stream(values()).map(ServerLine::label).collect(Collectors.joining(", "))
                + " (there is no 2.13)");
    }

    // --- the rules that differ --------------------------------------------------------------------

    /**
     * 2.9.7–2.9.15 {@code checkForOrphanMsgs}: an interest stream is purged below its lowest
     * consumer ack floor and every pending map is cleared (spec §5.3).
     */
    public boolean purgesInterestBelowLowestAckFloor() {
        return this == V2_9;
    }

    /**
     * 2.12.3+ / 2.11.12+ / 2.14+ {@code checkStateForInterestStream} (commit 98f95cc80): the startup
     * interest walk goes on past the ack floor to the delivered sequence and acks every message that
     * is not pending. 2.10.x–2.12.2 ack a message there only when the consumer itself still needs it,
     * so for explicit-ack consumers only the walk up to the ack floor removes anything.
     */
    public boolean interestWalkPassesAckFloor() {
        return this != V2_9 && this != V2_10;
    }

    /**
     * 2.10.0–2.10.28 and 2.11.0–2.11.2: {@code CONSUMER.INFO} reports the in-memory ack floor, which
     * {@code checkAckFloor} raises at startup when the stream's first sequence has moved more than 50
     * past it. From 2.10.29 / 2.11.3 (commit 237b8a791) the info reports the stored floor, which
     * that check never writes; 2.9 has no {@code checkAckFloor}.
     */
    public boolean reportsDriftedAckFloor() {
        return this == V2_10;
    }

    /** 2.11.4+ (commit be8d6ee5f): {@code num_redelivered} is 0 for a consumer with {@code max_deliver} 1. */
    public boolean hidesRedeliveriesAtMaxDeliverOne() {
        return this != V2_9 && this != V2_10;
    }

    /**
     * 2.14+ (PR #7692): a consumer whose delivered sequence is past the stream's last sequence is
     * pulled back to it at restore ({@code reconcileStateWithStream}); older lines leave it ahead.
     */
    public boolean reconcilesConsumerAheadOfStream() {
        return this == V2_14 || this == V2_15;
    }

    /**
     * 2.14+ (commit eb2ce117d, {@code consumerFileStore.SetStarting}): a consumer restored without an
     * {@code o.dat} writes its starting point as both its delivered and its ack floor stream
     * sequence; 2.9–2.12 write only the delivered one, and {@code setLeader} reads back an ack floor
     * of 0. (An empty {@code o.dat} is a zero state on every line.)
     */
    public boolean storesStartAsAckFloor() {
        return this == V2_14 || this == V2_15;
    }

    /**
     * 2.10+ {@code selectStartingSeqNo}: {@code last_per_subject} on a stream with
     * {@code max_msgs_per_subject: 1} starts at the stream's first sequence with no skip list (every
     * message is its subject's last); 2.9 builds the skip list like for any other stream.
     */
    public boolean startsOnePerSubjectStreamAtFirst() {
        return this != V2_9;
    }

    /**
     * 2.10+ {@code selectStartingSeqNo} ("close the gap to the nearest first"): a
     * {@code by_start_time} start with filters moves up to the nearest filter's first match when that
     * is at or after the time's sequence and below the last one; 2.9 keeps the time's sequence.
     */
    public boolean movesStartTimeToNearestFilterFirst() {
        return this != V2_9;
    }

    /**
     * 2.11+ {@code selectStartingSeqNo}: an {@code opt_start_seq} ahead of the stream (or on an empty
     * one) is kept; 2.9 and 2.10 clamp it to the last sequence + 1 (to 1 on an empty stream).
     */
    public boolean keepsStartSeqAheadOfStream() {
        return this != V2_9 && this != V2_10;
    }

    /**
     * The newest {@code msgs/index.db} version this line reads ({@code fullStateVersion}); 0 for 2.9,
     * which has none. A newer file is refused and the stream rebuilt from its blocks.
     */
    public int maxIndexDbVersion() {
        return switch (this) {
            case V2_9 -> 0;
            case V2_10 -> 1;
            case V2_11 -> 2;
            case V2_12 -> 3;
            case V2_14, V2_15 -> 4;
        };
    }

    /**
     * 2.12.1+ / 2.11.11+ (commit 63acd2519): a rebuilt block holding only tombstones starts after
     * its highest tombstone; 2.10.x (and up to 2.11.10 / 2.12.0) after its lowest (spec §3.5).
     */
    public boolean emptyBlockFollowsHighestTombstone() {
        return this != V2_9 && this != V2_10;
    }

    /**
     * 2.11.4+ (commit 1806a5035) {@code newFileStoreWithCreated}: after a failed {@code index.db}, the
     * last sequence it recorded past the blocks' is kept whatever the rebuild found. 2.10.x (and
     * 2.11.0-2.11.3) keep it, and write its tombstone, only when the rebuild lost data
     * ({@code fs.ld != nil}: a block cut at damage, or the write block gone); a block cut cleanly at
     * a record boundary loses none, and 2.10.27 starts with the blocks' last (measured: MAX1 of the
     * 2.10.27 fixture cut to 999 records, index.db saying 1000). 2.9 reads no {@code index.db}.
     */
    public boolean keepsIndexLastSeqWithoutLostData() {
        return this != V2_10;
    }

    /**
     * 2.12.5+ (commit 77159a858) and 2.14+: the last sequence a failed {@code index.db} kept past the
     * blocks' is always written as a tombstone in a new block. 2.10.x, 2.11.x (to 2.11.17 at least)
     * and 2.12.0-2.12.4 write it only when the rebuild lost data ({@code fs.ld != nil}); 2.11 and
     * 2.12.0-2.12.4 keep the last without it, 2.10 does not keep it
     * ({@link #keepsIndexLastSeqWithoutLostData}).
     */
    public boolean writesTombstoneWithoutLostData() {
        return this == V2_12 || this == V2_14 || this == V2_15;
    }

    /**
     * 2.11.7+, 2.12+ (commit 285f3466d, {@code recoverFullState}): every block {@code index.db} names
     * must exist, else the stream is rebuilt from the blocks that do. 2.10.x checks only the write
     * block and starts with {@code index.db} as it is, a missing middle block's messages included
     * (measured on 2.10.27: MANY of the 2.10.27 s2 fixture without 2.blk or 3.blk still reports 678
     * messages; 2.15.1 rebuilds and reports 645 or 345). 2.9 reads no {@code index.db}.
     */
    public boolean checksEveryIndexedBlock() {
        return this != V2_9 && this != V2_10;
    }

    /**
     * 2.10+ ({@code newFileStoreWithCreated}, after the start-up limits): a stream whose config has a
     * {@code first_seq} is purged whole at the open when its first sequence is below it
     * ({@link #purgesAtConfiguredFirstSeq}: or at it), its first then the larger of {@code first_seq}
     * and its last + 1. 2.9's stream config has no {@code first_seq} (commit {@code 9538a1895} added
     * it in 2.10), so 2.9 ignores the key.
     */
    public boolean appliesConfiguredFirstSeq() {
        return this != V2_9;
    }

    /**
     * 2.10.0-2.10.27 and 2.11.0-2.11.1 purge at the open when the stream's first sequence is at or
     * below the configured {@code first_seq} ({@code firstSeq <= cfg.FirstSeq}), so a stream created
     * with one loses every message at each start while its first message is the one at
     * {@code first_seq}. 2.10.28 and 2.11.2+ purge only below it (commit {@code 48b87441a}, PR #6753,
     * "Filestore initial first seq purge after restart"; {@code dfc245afc} on the 2.10 branch).
     * Measured: 5 messages from 100 of a stream created on 2.10.27 with {@code first_seq} 100 restart
     * as 0 messages, first 105; 2.15.1 keeps them.
     */
    public boolean purgesAtConfiguredFirstSeq() {
        return this == V2_10;
    }

    @Override
    public String toString() {
        return label;
    }
}
