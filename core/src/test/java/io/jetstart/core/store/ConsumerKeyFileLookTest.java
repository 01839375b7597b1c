package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a consumer's {@code meta.key} is looked for: before its files are read when nothing rules
 * it out, and, in a stream whose own key file discovery ruled out ({@link StreamKeys#NO_KEY_FILE})
 * read without a key, only when the consumer's files do not read as plain, which still refuses a
 * consumer with a key file, naming it ({@code LIM1} of the 2.15.1 store, consumer {@code C0}).
 */
class ConsumerKeyFileLookTest {
    @TempDir
    Path tmp;

    private static StreamStore open(Path stream, StreamKeys keys, DiskGate gate) throws Exception {
        StoreContext ctx = new StoreContext(gate, new io.jetstart.core.io.BlockBuffers(1), BlockWork.sequential(),
                io.jetstart.core.hash.RecordHashSource.chosen(), () -> 0L, StoreContext.ScanProgress.NONE);
        return StreamOpener.open("$G", stream.getFileName().toString(), stream,
                MetaFiles.readStream(stream, DiskGate.unbounded()).config(), ctx, ServerLine.NEWEST, keys);
    }

    @Test
    void inAStreamWhoseKeyFileIsRuledOutAPlainConsumerIsReadWithoutALookForItsKeyFile() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        CountingDiskGate ruledOut = new CountingDiskGate(1);
        StreamStore s = open(lim1, StreamKeys.NO_KEY_FILE, ruledOut);
        long before = ruledOut.operations();
        RestoredConsumer plain = ConsumerLoader.load(s, "C0");
        assertThat(ruledOut.operations() - before).as("meta.inf, meta.sum, o.dat").isEqualTo(3);

        CountingDiskGate looking = new CountingDiskGate(1);
        StreamStore t = open(lim1, StreamKeys.PLAIN, looking);
        before = looking.operations();
        RestoredConsumer looked = ConsumerLoader.load(t, "C0");
        assertThat(looking.operations() - before).as("meta.inf, meta.sum, the look for meta.key, o.dat").isEqualTo(4);
        assertThat(plain.config.json()).isEqualTo(looked.config.json());
        assertThat(plain.deliveredStream).isEqualTo(looked.deliveredStream);
        assertThat(plain.ackFloorStream).isEqualTo(looked.ackFloorStream);
        assertThat(plain.pending).isEqualTo(looked.pending);
    }

    @Test
    void aKeyFileBesideAnOdatThatDoesNotDecodeRefusesTheConsumerNamingItWhicheverTheStreamsKeys() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Path c0 = lim1.resolve("obs").resolve("C0");
        byte[] sealed = new byte[24 + 40 + 16];
        new Random(13).nextBytes(sealed);
        sealed[0] = 0; // not the o.dat magic
        Files.write(c0.resolve("o.dat"), sealed);
        Files.write(c0.resolve("meta.key"), new byte[72]);
        for (StreamKeys keys : new StreamKeys[] {StreamKeys.NO_KEY_FILE, StreamKeys.PLAIN}) {
            StreamStore s = open(lim1, keys, DiskGate.unbounded());
            assertThatThrownBy(() -> ConsumerLoader.load(s, "C0")).as("%s", keys)
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.problem().file()).isEqualTo(c0.resolve("meta.key"));
                        assertThat(e.problem().serverAction()).isEqualTo(ServerAction.SKIP_CONSUMER);
                        assertThat(e.problem().message()).isEqualTo("Consumer metafile in \"" + c0
                                + "\" is encrypted (meta.key present); encrypted stores are not supported");
                    });
        }
    }

    @Test
    void withoutAKeyFileAnOdatThatDoesNotDecodeFailsAsBefore() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Path c0 = lim1.resolve("obs").resolve("C0");
        Files.write(c0.resolve("o.dat"), new byte[] {0, 1, 2, 3});
        StreamStore s = open(lim1, StreamKeys.NO_KEY_FILE, DiskGate.unbounded());
        assertThatThrownBy(() -> ConsumerLoader.load(s, "C0")).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.problem().file()).isEqualTo(c0.resolve("o.dat"));
            assertThat(e.problem().message()).startsWith("consumer state unreadable: ");
            assertThat(e.problem().serverAction()).isEqualTo(ServerAction.DELETE_CONSUMER_DIR);
        });
    }
}
