package io.jetstart.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One side of {@link RuntimeModelIT}: nats-server through jnats, or the runtime. Each runs the
 * model's steps on stream {@link ModelLimits#NAME} and answers in the same words, so the two
 * answers are compared as strings.
 *
 * <p>A step is one line, in the language of {@link RuntimeCornersIT} (so a difference found here is
 * a scenario there): {@code pub SUBJECT PAYLOAD [Header=value ...]} (PAYLOAD {@code -} is empty),
 * {@code del SEQ}, {@code erase SEQ}, {@code purge JSON}, {@code update JSON} (the whole config),
 * {@code get SEQ}, {@code last SUBJECT}, {@code next SEQ FILTER}; and {@code restart}: the side
 * stops (the runtime closes its store, the server is stopped with SIGTERM) and starts again on the
 * same files.
 */
sealed interface ModelSide extends AutoCloseable permits ModelServerSide, ModelRuntimeSide {

    /** The answer to {@code step}: a sequence with the duplicate flag, {@code error CODE TEXT}, a message, ... */
    String run(String step) throws Exception;

    /** The stream's state: messages, bytes, first and last sequence, subjects, deleted. */
    ModelState state() throws Exception;

    /** The stored message {@code seq}, empty when the sequence holds none. */
    java.util.Optional<Msg> message(long seq) throws Exception;

    /** The side's name in the differences. */
    String name();

    /** The stream's state in the words both sides use. */
    record ModelState(long messages, long bytes, long firstSeq, long lastSeq, long subjects, long deleted, long firstTsNanos) {
        /** Without the first message's time, which each side stamps from its own clock. */
        String compared() {
            return messages + " msgs, " + bytes + " bytes, first " + firstSeq + ", last " + lastSeq + ", " + subjects + " subjects, "
                    + deleted + " deleted";
        }

        ModelState withFirstSeq(long first) {
            return new ModelState(messages, bytes, first, lastSeq, subjects, deleted, firstTsNanos);
        }
    }

    /** A stored message: headers and payload in base64, its time in nanoseconds since the epoch. */
    record Msg(long seq, String subject, String hdrs, String data, long timeNanos) {
        /** With the time only where both sides read the same files; live, each side stamps from its own clock. */
        String compared(boolean withTime) {
            return seq + " " + subject + " hdrs '" + hdrs + "' data '" + data + "'" + (withTime ? " time " + timeNanos : "");
        }
    }

    /** {@code pub} arguments: subject, payload, then header key/value pairs in order ('~' in a value is a space). */
    record Pub(String subject, byte[] payload, List<String> keyValues) {
        static Pub parse(String arg) {
            String[] p = arg.split(" ");
            List<String> kv = new ArrayList<>();
            for (int i = 2; i < p.length; i++) {
                int eq = p[i].indexOf('=');
                kv.add(p[i].substring(0, eq));
                // Steps are split on spaces: '~' stands for one in a header value (RuntimeCornersIT's header scenarios).
                kv.add(p[i].substring(eq + 1).replace('~', ' '));
            }
            return new Pub(p[0], p[1].equals("-") ? new byte[0] : p[1].getBytes(StandardCharsets.UTF_8), kv);
        }

        /** The headers as jnats sends them: its map keeps its own order of the keys, not the order they were added in. */
        io.nats.client.impl.Headers jnats() {
            io.nats.client.impl.Headers h = new io.nats.client.impl.Headers();
            for (int i = 0; i < keyValues.size(); i += 2) {
                h.add(keyValues.get(i), keyValues.get(i + 1));
            }
            return h;
        }

        /**
         * The header block jnats sends, for the runtime to store the bytes the server stores. jnats
         * publishes a read-only copy of the headers, whose hash map is sized for them and so orders
         * the keys its own way: neither the order they were added in nor the original's.
         */
        io.jetstart.runtime.Headers sent() {
            io.nats.client.impl.Headers h = jnats();
            if (h.isEmpty()) {
                return io.jetstart.runtime.Headers.EMPTY;
            }
            byte[] block = new io.nats.client.impl.Headers(h, true, null).getSerialized();
            return io.jetstart.runtime.Headers.parse(block, 0, block.length);
        }
    }
}
