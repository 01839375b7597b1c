package io.jetstart.it;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.runtime.RuntimeOptions;

/**
 * The server line a model runs against side by side, and what the runtime and the draws are set
 * to for it: 2.14+ (the newest build, {@code index.db} v4 where the model asks for it, every
 * feature) or 2.10 (2.10.27: the runtime writes {@code index.db} v1 and serves as the 2.10 line, and
 * the draws keep to what 2.10.27 has).
 *
 * <p>What 2.10.27 lacks, read in its source (tag v2.10.27, {@code server/stream.go}
 * {@code processJetStreamMsg}, {@code server/jetstream_api.go}) and so never drawn on it
 * ({@link ModelDraws}, {@link KvModelConfig}, {@link KvModelSteps}):
 * {@code Nats-Expected-Last-Subject-Sequence-Subject} (2.12: ignored there, so the expectation is
 * checked on the message's own subject, and its 10193 refusal), {@code allow_msg_ttl} and
 * {@code Nats-TTL}, {@code subject_delete_marker_ttl} (limit markers, per-key TTLs). And one answer
 * it does not give: a {@code Nats-Rollup} other than {@code sub} or {@code all} is dropped without an
 * ack ({@code return fmt.Errorf("rollup value invalid: %q", rollup)} with no reply sent), which a
 * client sees only as its request timing out.
 *
 * <p>Its pull consumers keep older rules in six places the runtime does not copy (docs/compatibility.md,
 * "The runtime on the 2.10 line"): {@link ConsumerModelIT} leaves four of them out of its 2.10 draws
 * and compares the other two as the runtime keeps them ({@link #asStored}, {@link ModelPull}).
 *
 * @param binary the server the model's steps run on
 * @param v210   whether that is the 2.10 line
 */
record ModelLine(NatsServerBinary binary, boolean v210) {

    /** The newest 2.14+ build: the line every model ran on before. */
    static ModelLine newest(NatsServers servers) {
        return new ModelLine(servers.requireV214Plus(), false);
    }

    /** The newest 2.10.x build (2.10.27 here). */
    static ModelLine v210(NatsServers servers) {
        return new ModelLine(servers.requireV210(), true);
    }

    /**
     * The runtime's options for this line on top of {@code base}: on 2.10 {@code index.db} v1 and the
     * 2.10 line's rules ({@code RecoveryOptions.serverLine}, which also refuses what needs 2.11+).
     */
    RuntimeOptions runtime(RuntimeOptions base) {
        return v210 ? base.withIndexVersion(1).withRecovery(base.recovery().withServerLine(ServerLine.V2_10)) : base;
    }

    /**
     * What nats-server 2.10.29+ reports (and the runtime, on every line) for a consumer's delivered or
     * ack floor stream sequence that 2.10.27 reported as {@code reported}, the stored one being
     * {@code stored}: 2.10.27's {@code CONSUMER.INFO} takes both from the consumer's memory, where a
     * pull that reached the end of the stream moved the next sequence past the stream's last
     * ({@code getNextMsg}: {@code LoadNextMsg} answers EOF with the last sequence) and an ack that
     * emptied the pending list moved the floor there too, while the store keeps the last message
     * delivered; a single server reports from the store only from 2.10.29 and 2.11.3 (commit
     * 237b8a791, "Consistent filtered consumer state reporting"; 2.10.29's b68af6634). The files
     * hold the same on both. So {@code stored} is returned only where the difference is such a skip:
     * {@code reported} ahead of {@code stored}, no later than the stream's last sequence, and no live
     * message the consumer could be delivered ({@code filters}) in between; otherwise
     * {@code reported}, and the comparison shows the difference.
     */
    static long asStored(long reported, long stored, io.jetstart.runtime.JetStartStream rt, java.util.List<String> filters)
            throws InterruptedException {
        if (reported <= stored || reported > rt.info().lastSeq()) {
            return reported;
        }
        io.jetstart.core.store.SubjectFilter filter = filters.isEmpty() ? null : new io.jetstart.core.store.SubjectFilter(filters);
        for (long seq = stored + 1; seq <= reported; seq++) {
            java.util.Optional<io.jetstart.core.store.StoredMessage> m = rt.get(seq);
            if (m.isPresent() && (filter == null || filter.matches(m.get().subject()))) {
                return reported;
            }
        }
        return stored;
    }

    /** A name for folders and messages: {@code 2.10} or {@code 2.14+}. */
    String label() {
        return v210 ? "2.10" : "2.14+";
    }

    @Override
    public String toString() {
        return binary.toString();
    }
}
