package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.testing.StoreFaults;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases {@link HostileOperatorCommandsTest}'s campaign found, each on its own: what broke, on
 * the smallest store that shows it.
 */
class OperatorCommandsOnDamageTest {
    /** An encrypted fixture of four streams, and the server's key to it. */
    private static final String ENCRYPTED = "nats-2.10.27-chacha";
    private static final String KEY = io.jetstart.core.testing.Fixtures.key(ENCRYPTED).orElseThrow();

    @TempDir
    Path tmp;

    private Path generated(String... extra) {
        Path store = tmp.resolve("store");
        List<String> args = new java.util.ArrayList<>(List.of("generate", store.toString(), "--streams", "1", "--messages", "45",
                "--payload", "40", "--block-size", "1024", "--index-version", "4"));
        args.addAll(List.of(extra));
        TestStores.Run gen = TestStores.cli(args.toArray(String[]::new));
        assertThat(gen.exit()).as(gen.err()).isZero();
        return store;
    }

    /** Round 0 of seed 199731173: the record's length read as 2^31 - 16 makes the block's last records unreadable. */
    @Test
    void getOfAMessageInADamagedBlockNamesTheFileAndExitsOneInsteadOfAnUnexpectedError() throws Exception {
        Path store = generated();
        Path msgs = store.resolve("jetstream/$G/streams/S1/msgs");
        Path last;
        try (var s = Files.list(msgs)) {
            last = s.filter(f -> f.getFileName().toString().endsWith(".blk"))
                    .max(java.util.Comparator.comparingInt(f -> Integer.parseInt(f.getFileName().toString().replace(".blk", ""))))
                    .orElseThrow();
        }
        byte[] b = Files.readAllBytes(last);
        long second = StoreFaults.recordStarts(b).get(1);
        ByteBuffer.wrap(b, (int) second, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7fff_fff0);
        Files.write(last, b);

        TestStores.Run get = TestStores.cli("get", store.toString(), "S1", "--last", ">", "--json");

        assertThat(get.exit()).as(get.err()).isEqualTo(Main.DAMAGED);
        assertThat(get.out()).isEmpty();
        assertThat(get.err()).startsWith("jetstart: damage: $G > S1: malformed or corrupt message in " + last).hasLineCount(1);
    }

    /**
     * Round 8 of seed 199731173: one stream's {@code meta.key} emptied (or flipped) ended verify,
     * and every command taking {@code --key}, with "wrong key?" (66), the three other streams unread.
     */
    @Test
    void oneDamagedMetaKeyFailsItsStreamAloneWhenTheKeyOpensTheOthers() throws Exception {
        Path store = TestStores.copyFixtureStore(ENCRYPTED, tmp);
        Path emptied = store.resolve("jetstream/$G/streams/PSUB/meta.key");
        Files.write(emptied, new byte[0]);
        Path flipped = store.resolve("jetstream/$G/streams/PALL/meta.key");
        byte[] b = Files.readAllBytes(flipped);
        b[b.length / 2] ^= 1;
        Files.write(flipped, b);

        TestStores.Run verify = TestStores.cli("verify", store.toString(), "--json", "--key", KEY);

        assertThat(verify.exit()).as(verify.err()).isEqualTo(Main.DAMAGED);
        assertThat(verify.json().get("verify").get("findings")).extracting(f -> f.get("file").asText())
                .contains(emptied.toString(), flipped.toString());
        for (com.fasterxml.jackson.databind.JsonNode s : verify.json().get("streams")) {
            boolean damagedKey = List.of("PSUB", "PALL").contains(s.get("name").asText());
            assertThat(s.has("state")).as("%s is read unless its meta.key is damaged", s.get("name")).isEqualTo(!damagedKey);
        }
        TestStores.Run wrong = TestStores.cli("verify", store.toString(), "--key", "not-" + KEY);
        assertThat(wrong.exit()).as("a key that opens no meta.key is a wrong key").isEqualTo(Main.NO_INPUT);
        assertThat(wrong.err()).startsWith("jetstart: wrong key? ");
    }

    /** Round 8 of seed 11: a meta.key replaced by a directory ended dump with "jetstart: Is a directory" (66), nothing dumped. */
    @Test
    void aMetaKeyThatIsADirectoryFailsItsStreamAloneNamingIt() throws Exception {
        Path store = TestStores.copyFixtureStore(ENCRYPTED, tmp);
        Path metaKey = store.resolve("jetstream/$G/streams/PALL/meta.key");
        Files.delete(metaKey);
        Files.createDirectory(metaKey);

        TestStores.Run dump = TestStores.cli("dump", store.toString(), "--json", "--key", KEY);

        assertThat(dump.exit()).as(dump.err()).isEqualTo(Main.FAILED);
        assertThat(dump.err()).contains(metaKey + ": a directory, not a key file");
        assertThat(dump.json().get("streams")).extracting(s -> s.get("name").asText()).contains("INT1", "LIM1", "PSUB");
        for (com.fasterxml.jackson.databind.JsonNode s : dump.json().get("streams")) {
            if (!s.get("name").asText().equals("PALL")) {
                assertThat(s.get("messages").size()).as("%s dumped", s.get("name")).isPositive();
            }
        }
    }
}
