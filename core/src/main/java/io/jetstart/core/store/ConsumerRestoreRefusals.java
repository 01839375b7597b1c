package io.jetstart.core.store;

import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;

/**
 * Why a standalone nats-server would not restore a consumer whose {@code meta.inf} decodes: what
 * its strict decode refuses (2.11+: an unknown key), then the checks {@code addConsumerWithAssignment}
 * runs at start with {@code isRecovering} set ({@code setConsumerConfigDefaults},
 * {@code checkConsumerCfg}, the work-queue rules), in the server's words. The server then logs
 * {@code Error adding consumer "<name>": <reason>} (or {@code Error unmarshalling consumer
 * metafile}) and the consumer is not there: no deliveries, and on an interest stream no interest.
 * The rules themselves are {@link ConsumerConfigRules}', the copy a create is checked by too.
 *
 * <p>Design note: such a consumer is kept as a doubted one ({@link RestoredConsumer#doubt()}):
 * reported, not delivered, and it removes nothing and lets nothing be removed by interest. Had
 * the runtime delivered it, its acks would be written for a consumer the server does not have,
 * and a switch back would show the application a consumer gone (or, for a key in other letter
 * case, one with other settings). Where a rule differs between lines, the stricter is taken, so
 * that no line skips what the runtime served: a {@code max_waiting} below 0 is refused by 2.10
 * and made 0 by 2.11+; an {@code ack_wait} below 0 is taken by 2.10 and refused by 2.11+.
 * Checked on nats-server 2.10.27 and 2.15.1 (OddConsumerConfigIT).
 */
final class ConsumerRestoreRefusals {

    private ConsumerRestoreRefusals() {
    }

    /** The server's reason for not restoring {@code c} in {@code stream}, or null when it would restore it. */
    static String reason(ConsumerConfig c, StreamConfig stream) {
        for (String key : c.unknownKeys()) {
            String known = ConsumerConfig.knownKeyIgnoringCase(key);
            if (known != null) {
                // Every line reads it as the known key (Go matches keys in any letter case); the
                // runtime's getters would not, so it would deliver another consumer than the server.
                return "key \"" + key + "\" is read by nats-server as \"" + known + "\" (Go matches keys in any letter case); the runtime does not";
            }
            return "json: unknown field \"" + key + "\" (nats-server 2.11+ refuses the file; the runtime does not know the key)";
        }
        java.util.Optional<ConsumerConfigRules.Refusal> r = ConsumerConfigRules.check(c, stream, ConsumerConfigRules.When.RESTORE);
        if (r.isEmpty()) {
            r = ConsumerConfigRules.addConsumer(c, c.durableName(), stream);
        }
        return r.isPresent() ? r.get().reason() : null;
    }
}
