package io.jetstart.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of the stores real nats-server 2.10.27 and 2.15.1 encrypted, with each cipher, and 2.9.10 with chachapoly. */
class StreamKeysRealStoresTest {

    private static List<String> encrypted() {
        List<String> names = Fixtures.names().stream().filter(n -> Fixtures.key(n).isPresent()).toList();
        assertThat(names).as("encrypted fixtures").hasSize(5);
        return names;
    }

    @Test
    void theOperatorsKeyOpensMetaInfAndIndexDbAndEveryBlockStartsWithARecord() throws Exception {
        for (String name : encrypted()) {
            StoreKey key = StoreKey.ofText(Fixtures.key(name).orElseThrow());
            StoreCipher expected = name.endsWith("-aes") ? StoreCipher.AES : StoreCipher.CHACHA;
            for (Path dir : Fixtures.streamDirs(Fixtures.root().resolve(name))) {
                StreamKeys keys = StreamKeys.load(key, "$G", dir, DiskGate.unbounded());
                assertThat(keys.cipher()).as("%s %s", name, dir.getFileName()).contains(expected);
                String json = new String(keys.open(dir.resolve("meta.inf"), Files.readAllBytes(dir.resolve("meta.inf"))),
                        StandardCharsets.UTF_8);
                assertThat(json).as("%s meta.inf", dir).startsWith("{\"Created\":").contains("\"name\":\"" + dir.getFileName() + "\"");
                // 2.9 writes no index.db; its per-block .idx files are checked with their blocks below.
                if (!name.startsWith("nats-2.9.")) {
                    byte[] idx = Files.readAllBytes(dir.resolve("msgs/index.db"));
                    byte[] body = keys.open(dir.resolve("msgs/index.db"), Arrays.copyOf(idx, idx.length - 8));
                    assertThat(body[0]).as("%s index.db magic", dir).isEqualTo((byte) 11);
                }
                try (var blocks = Files.list(dir.resolve("msgs"))) {
                    for (Path blk : blocks.filter(p -> p.toString().endsWith(".blk")).toList()) {
                        long index = Long.parseLong(blk.getFileName().toString().replace(".blk", ""));
                        byte[] b = Files.readAllBytes(blk);
                        BlockKeystream ks = keys.block(dir.resolve("msgs"), index, DiskGate.unbounded()).orElseThrow();
                        Path legacyIndex = dir.resolve("msgs/" + index + ".idx");
                        if (Files.exists(legacyIndex)) {
                            // 2.9 sealed it with the block's seed and key-file nonce: its magic and version in the clear.
                            byte[] li = ks.openLegacyIndex(legacyIndex, Files.readAllBytes(legacyIndex));
                            assertThat(new byte[] {li[0], li[1]}).as("%s magic, version", legacyIndex).containsExactly(22, 1);
                        }
                        if (b.length == 0) {
                            continue; // 2.9.10 leaves a block its deletes emptied as 0 bytes (nats-2.9.10-chacha DEL 2.blk)
                        }
                        ks.xor(b, 0, b.length, 0);
                        // The first record: rl (LE u32, below 1 MiB here) then seq 1 or later.
                        long rl = (b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16 | (b[3] & 0xffL) << 24;
                        assertThat(rl).as("%s first record length", blk).isBetween(22L, 1L << 20);
                    }
                }
                if (!Files.isDirectory(dir.resolve("obs"))) {
                    continue; // a stream without consumers: git keeps no empty obs/ (nats-2.9.10-chacha DEL)
                }
                try (var consumers = Files.list(dir.resolve("obs"))) {
                    for (Path c : consumers.toList()) {
                        ConsumerKeys ck = keys.consumer(c, DiskGate.unbounded());
                        assertThat(ck.encrypted()).isTrue();
                        assertThat(new String(ck.open(c.resolve("meta.inf"), Files.readAllBytes(c.resolve("meta.inf"))),
                                StandardCharsets.UTF_8)).as("%s meta.inf", c).startsWith("{");
                        byte[] sealed = Files.readAllBytes(c.resolve("o.dat"));
                        if (sealed.length == 0) {
                            continue; // no state yet: the server writes an empty o.dat, sealed or not
                        }
                        assertThat(ck.open(c.resolve("o.dat"), sealed)[0]).as("%s o.dat magic", c).isEqualTo((byte) 22);
                    }
                }
            }
        }
    }

    @Test
    void aWrongKeyIsRefusedNamingTheKeyFile() {
        for (String name : encrypted()) {
            Path dir = Fixtures.streamDirs(Fixtures.root().resolve(name)).get(0);
            assertThatThrownBy(() -> StreamKeys.load(StoreKey.ofText("not the key"), "$G", dir, DiskGate.unbounded()))
                    .as(name).isInstanceOfSatisfying(DecryptionException.class, e -> {
                        assertThat(e.kind()).isEqualTo(DecryptionException.Kind.WRONG_KEY);
                        assertThat(e.file()).isEqualTo(dir.resolve("meta.key"));
                        assertThat(e.getMessage()).contains("meta.key").contains("not the key this store was encrypted with");
                    });
        }
    }

    @Test
    void noKeyIsRefusedAndAStreamWithoutKeyFilesIsPlain() throws Exception {
        Path dir = Fixtures.streamDirs(Fixtures.root().resolve("nats-2.15.1-aes")).get(0);
        assertThatThrownBy(() -> StreamKeys.load(null, "$G", dir, DiskGate.unbounded()))
                .isInstanceOfSatisfying(DecryptionException.class, e -> assertThat(e.kind()).isEqualTo(DecryptionException.Kind.NO_KEY));
        Path plain = Fixtures.streamDirs(Fixtures.root().resolve("nats-2.15.1-small")).get(0);
        StreamKeys keys = StreamKeys.load(StoreKey.ofText("any"), "$G", plain, DiskGate.unbounded());
        assertThat(keys.encrypted()).isFalse();
        assertThat(keys.block(plain.resolve("msgs"), 1, DiskGate.unbounded())).isEmpty();
        byte[] b = {1, 2, 3};
        assertThat(keys.open(plain.resolve("meta.inf"), b)).isSameAs(b);
    }
}
