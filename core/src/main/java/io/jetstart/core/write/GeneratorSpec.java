package io.jetstart.core.write;

import io.jetstart.core.format.IndexDbCodec;

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
 */
public record GeneratorSpec(int streams, long messages, int payload, int subjects, int consumers, String account,
                            int indexVersion, int blockSize, long firstTs) {

    public GeneratorSpec {
        if (streams < 1 || streams > 100_000) {
            throw new IllegalArgumentException("--streams must be 1..100000, got " + streams);
        }
        if (messages < 0 || messages > 10_000_000_000L) {
            throw new IllegalArgumentException("--messages must be 0..10000000000, got " + messages);
        }
        if (payload < 0 || payload > 1 << 20) {
            throw new IllegalArgumentException("--payload must be 0..1048576 bytes, got " + payload);
        }
        if (subjects < 1 || subjects > 10_000_000) {
            throw new IllegalArgumentException("--subjects must be 1..10000000, got " + subjects);
        }
        if (consumers < 0 || consumers > 10_000) {
            throw new IllegalArgumentException("--consumers must be 0..10000, got " + consumers);
        }
        if (account == null || account.isEmpty() || account.contains("/") || account.startsWith(".")) {
            throw new IllegalArgumentException("--account must be a directory name, got '" + account + "'");
        }
        if (indexVersion < IndexDbCodec.MIN_VERSION || indexVersion > IndexDbCodec.MAX_VERSION) {
            throw new IllegalArgumentException("--index-version must be 1..4, got " + indexVersion);
        }
    }

    public static GeneratorSpec of(int streams, long messages, int payload) {
        return new GeneratorSpec(streams, messages, payload, 1, 0, "$G", IndexDbCodec.DEFAULT_WRITE_VERSION,
                StreamWriter.DEFAULT_BLOCK_SIZE, 1_767_225_600_000_000_000L);
    }

    public GeneratorSpec withSubjects(int k) {
        return new GeneratorSpec(streams, messages, payload, k, consumers, account, indexVersion, blockSize, firstTs);
    }

    public GeneratorSpec withConsumers(int c) {
        return new GeneratorSpec(streams, messages, payload, subjects, c, account, indexVersion, blockSize, firstTs);
    }

    public GeneratorSpec withAccount(String a) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, a, indexVersion, blockSize, firstTs);
    }

    public GeneratorSpec withIndexVersion(int v) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, account, v, blockSize, firstTs);
    }

    public GeneratorSpec withBlockSize(int b) {
        return new GeneratorSpec(streams, messages, payload, subjects, consumers, account, indexVersion, b, firstTs);
    }
}
