package io.jetstart.core.write;

import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.options.InvalidOptionException;

/**
 * What {@code jetstart generate} writes.
 *
 * @param streams      number of streams, named {@code S1..SN} with subjects {@code s<i>.*}
 * @param messages     messages per stream
 * @param payload      payload bytes per message
 * @param subjects     distinct subjects per stream ({@code s<i>.0 .. s<i>.<K-1>}, round robin)
 * @param consumers    durable explicit-ack consumers per stream, {@code C1..CC}
 * @param account      account directory ({@code $G} without accounts)
 * @param indexVersion index.db version to write (2.10.x reads only 1 and rebuilds otherwise; 2.12+ reads up to 3; 2.14+ up to 4)
 * @param blockSize    block size in bytes (nats-server's default for limits streams is 8 MiB)
 * @param firstTs      timestamp of message 1 in Unix nanoseconds; message i is 1 µs later per step
 * @param s2           {@code compression: s2}: every block but the last is written S2-compressed, as
 *                     nats-server leaves the sealed blocks of such a stream
 */
public record GeneratorSpec(int streams, long messages, int payload, int subjects, int consumers, String account,
                            int indexVersion, int blockSize, long firstTs, boolean s2) {

    public GeneratorSpec {
        if (streams < 1 || streams > 100_000) {
            throw new InvalidOptionException("streams", "GeneratorSpec.of", "must be 1..100000", String.valueOf(streams));
        }
        if (messages < 0 || messages > 10_000_000_000L) {
            throw new InvalidOptionException("messages", "GeneratorSpec.of", "must be 0..10000000000", String.valueOf(messages));
        }
        if (payload < 0 || payload > 1 << 20) {
            throw new InvalidOptionException("payload", "GeneratorSpec.of", "must be 0..1048576 bytes", String.valueOf(payload));
        }
        if (subjects < 1 || subjects > 10_000_000) {
            throw new InvalidOptionException("subjects", "GeneratorSpec.withSubjects", "must be 1..10000000", String.valueOf(subjects));
        }
        if (consumers < 0 || consumers > 10_000) {
            throw new InvalidOptionException("consumers", "GeneratorSpec.withConsumers", "must be 0..10000", String.valueOf(consumers));
        }
        if (account == null || account.isEmpty() || account.contains("/") || account.startsWith(".")) {
            throw new InvalidOptionException("account", "GeneratorSpec.withAccount", "must be a directory name", "'" + account + "'");
        }
        if (indexVersion < IndexDbCodec.MIN_VERSION || indexVersion > IndexDbCodec.MAX_VERSION) {
            throw new InvalidOptionException("indexVersion", "GeneratorSpec.withIndexVersion", "must be 1..4", String.valueOf(indexVersion));
        }
    }

    public static GeneratorSpec of(int streams, long messages, int payload) {
        return new GeneratorSpec(streams, messages, payload, 1, 0, "$G", IndexDbCodec.DEFAULT_WRITE_VERSION,
                StreamWriter.DEFAULT_BLOCK_SIZE, 1_767_225_600_000_000_000L, false);
    }

    public GeneratorSpec withSubjects(int k) {
        return new GeneratorSpec(streams, messages, payload, k, consumers, account, indexVersion, blockSize, firstTs, s2);
    }

    public GeneratorSpec withConsumers(int c) {
        return new GeneratorSpec(streams, messages, payload, subjects, c, account, indexVersion, blockSize, firstTs, s2);
    }

    public GeneratorSpec withAccount(String a) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, a, indexVersion, blockSize, firstTs, s2);
    }

    public GeneratorSpec withIndexVersion(int v) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, account, v, blockSize, firstTs, s2);
    }

    public GeneratorSpec withS2(boolean compressed) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, account, indexVersion, blockSize, firstTs,
                compressed);
    }

    public GeneratorSpec withBlockSize(int b) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, account, indexVersion, b, firstTs, s2);
    }
}
