package io.jetstart.core.store;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A consumer's delivery state after restore, as nats-server holds it in memory ({@code o.sseq},
 * floors, pending and redelivered maps). Mutable while its stream finishes opening (interest
 * processing and the pending check edit it); confined to the stream's thread after loading.
 */
public final class RestoredConsumer {
    final String name;
    final Path dir;
    final ConsumerConfig config;
    final SubjectFilter filter;
    final boolean hasStoredState;
    long deliveredConsumer;
    long deliveredStream;
    long ackFloorConsumer;
    long ackFloorStream;
    /** Pending: stream seq → consumer seq, in o.dat order. */
    final Map<Long, Long> pending = new LinkedHashMap<>();
    /** Redelivered: stream seq → delivery count. */
    final Map<Long, Long> redelivered = new LinkedHashMap<>();
    final List<Problem> problems = new ArrayList<>();
    /**
     * Why this consumer's config may not be the one its server wrote (null: no reason to doubt it):
     * set by {@link ConsumerLoader#load}. nats-server acts on such a config as it reads; a writer
     * does not let it remove messages ({@link #doubt()}).
     */
    String doubt;
    /** Whether nats-server would not add this consumer at start ({@link ConsumerRestoreRefusals}); set with {@link #doubt}. */
    boolean serverSkips;

    RestoredConsumer(String name, Path dir, ConsumerConfig config, ConsumerState state) {
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.filter = new SubjectFilter(config.filterSubjects());
        this.hasStoredState = state != null;
        if (state != null) {
            deliveredConsumer = state.delivered().consumerSeq();
            deliveredStream = state.delivered().streamSeq();
            ackFloorConsumer = state.ackFloor().consumerSeq();
            ackFloorStream = state.ackFloor().streamSeq();
            for (ConsumerState.Pending p : state.pending()) {
                pending.put(p.streamSeq(), p.consumerSeq());
            }
            for (ConsumerState.Redelivery r : state.redelivered()) {
                redelivered.put(r.streamSeq(), r.count());
            }
        }
    }

    public String name() {
        return name;
    }

    public ConsumerConfig config() {
        return config;
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /**
     * Why this consumer's {@code meta.inf} may be damaged: its {@code meta.sum} does not match, or
     * it names another consumer than its directory; or why nats-server would not restore it
     * ({@link ConsumerRestoreRefusals}: an unknown key, a config its checks refuse). nats-server restores such a consumer as the file
     * reads (it never compares a consumer's checksum), so a flipped byte can turn an explicit-ack
     * consumer into an ack-none one, whose deliveries then remove messages of an interest stream;
     * a writer removes nothing by interest while such a consumer is there.
     */
    public java.util.Optional<String> doubt() {
        return java.util.Optional.ofNullable(doubt);
    }

    public SequencePair delivered() {
        return new SequencePair(deliveredConsumer, deliveredStream);
    }

    public SequencePair ackFloor() {
        return new SequencePair(ackFloorConsumer, ackFloorStream);
    }

    /** nats-server's {@code needAck}: does this consumer still need stream message {@code seq}? */
    boolean needs(long seq, String subject) {
        if (!filter.matches(subject)) {
            return false;
        }
        if (redelivered.containsKey(seq)) {
            return true;
        }
        String ack = config.ackPolicy();
        if ("explicit".equals(ack)) {
            return seq > ackFloorStream && (seq > deliveredStream || pending.containsKey(seq));
        }
        return seq > ackFloorStream;
    }
}
