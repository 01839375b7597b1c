package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * A damaged 2.9 block of {@code nats-2.9.10-small}'s LIM1 (a bad checksum in its first message or
 * a middle one, a record's length 2 bytes off, or its first record's sequence flipped up past the
 * {@code .idx}'s last or down to 0), with its {@code .idx} and without where it matters, as
 * nats-server 2.9.10 serves it and as jetstart reports and repairs it. For each case: the messages
 * 2.9.10 serves on the damaged files after a first read of each (MSG.GET 1..1000, then a restart);
 * {@code jetstart recover} counts exactly that many, from the same first sequence; and after
 * {@code jetstart repair} 2.9.10 serves the same messages again (one start): the repair cut nothing
 * the server serves. Where the repair cut away the {@code .idx}'s last sequence (a flipped length
 * with the {@code .idx}), or removed an {@code .idx} whose last is past its intact block's records
 * (2.9.10 reports that last), the empty block and {@code .idx} it adds keep it: 2.9.10 reports the
 * last sequence jetstart reported and publishes the one after it. With the {@code .idx} and a bad record,
 * 2.9.10 counts the bad message too (990 reported, 989 served), and without the {@code .idx} a
 * sequence flipped to 0 has it report 989 and serve none: the differences documented in
 * docs/format-notes.md, where jetstart follows what is served.
 */
class DamagedLegacyBlockOnServerIT {
    private final Path tmp = Repo.work("DamagedLegacyBlockOnServerIT");

    @TestFactory
    Stream<DynamicNode> jetstartReportsAndRepairsWhat29ServesOnADamagedBlock() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServerBinary server = NatsServers.discover().require("2.9.x", v -> v.isLine(2, 9));
        List<DynamicNode> out = new ArrayList<>();
        for (String damage : List.of("PAYLOAD 1", "PAYLOAD 500", "LENGTH", "SEQUENCE UP", "SEQUENCE 0")) {
            for (boolean idx : new boolean[] {true, false}) {
                out.add(dynamicTest(damage + (idx ? ", .idx intact" : ", .idx removed") + " on " + server, () -> run(server, damage, idx)));
            }
        }
        // A middle record's length with the .idx: the cut keeps 1..499, the .idx's last needs the empty block.
        out.add(dynamicTest("LENGTH 500, .idx intact on " + server, () -> run(server, "LENGTH 500", true)));
        // No record damaged: the .idx's last sequence past the block's last record, its checksum still
        // the block's. 2.9.10 reports that last; a repair that removed only the .idx lowered it to 1000.
        out.add(dynamicTest("IDX LAST 1005, .idx intact on " + server, () -> run(server, "IDX LAST 1005", true)));
        // HostileOperatorCommandsTest's finds: records a 2.9 .idx removed, served by jetstart after damage.
        for (String removed : List.of("MAX1 HUGE 513", "INT1 HUGE 286", "INT1 IDX-DELETES")) {
            out.add(dynamicTest(removed + " on " + server, () -> removedStaysRemoved(server, removed)));
        }
        return out.stream();
    }

    /**
     * A huge length in MAX1's record 513 or INT1's 286 (their .idx says 201..1000 and 302..1000), or
     * INT1's .idx with the last 8 bytes of its delete list made 0xff: jetstart dump serves exactly
     * what 2.9.10 serves, none of the records the .idx removed (one start; the sequences are read
     * twice, since 2.9.10's first read of MAX1's block rebuilds it and answers no message for 201).
     */
    private void removedStaysRemoved(NatsServerBinary server, String damage) throws Exception {
        String stream = damage.substring(0, 4);
        Path dir = tmp.resolve(damage.replace(' ', '-'));
        Path damaged = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-small", dir.resolve("damaged"));
        Path msgs = damaged.resolve("jetstream/$G/streams/" + stream + "/msgs");
        if (damage.endsWith("IDX-DELETES")) {
            byte[] b = Files.readAllBytes(msgs.resolve("1.idx"));
            java.util.Arrays.fill(b, 44, 52, (byte) 0xff);
            Files.write(msgs.resolve("1.idx"), b);
        } else {
            byte[] b = Files.readAllBytes(msgs.resolve("1.blk"));
            long at = StoreFaults.recordStarts(b).get(Integer.parseInt(damage.substring(damage.lastIndexOf(' ') + 1)) - 1);
            java.nio.ByteBuffer.wrap(b, Math.toIntExact(at), 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x7fff_fff0);
            Files.write(msgs.resolve("1.blk"), b);
        }
        Path onServer = StoreFiles.copy(damaged, dir.resolve("server").resolve("store"));
        List<Long> served = new ArrayList<>();
        try (NatsServerProcess p = NatsServerProcess.start(server, onServer, dir.resolve("server").resolve("start1"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (int pass = 1; pass <= 2; pass++) {
                served.clear();
                for (long seq = 1; seq <= 1000; seq++) {
                    api.message(stream, seq).ifPresent(m -> served.add(m.path("seq").asLong()));
                }
            }
            p.stopGracefully();
        }
        Path store = StoreFiles.copy(damaged, dir.resolve("jetstart").resolve("store"));
        JsonNode dump = new Jetstart(dir.resolve("jetstart")).run("dump", store.toString(), "--json", "--stream", stream).json();
        List<Long> dumped = new ArrayList<>();
        dump.path("streams").get(0).path("messages").forEach(m -> dumped.add(m.path("seq").asLong()));
        assertThat(dumped).as("%s: jetstart dump, where %s serves %d messages", damage, server, served.size()).isEqualTo(served);
    }

    private void run(NatsServerBinary server, String damage, boolean idx) throws Exception {
        Path dir = tmp.resolve(damage.replace(' ', '-') + (idx ? "-idx" : "-noidx"));
        Path damaged = damagedCopy(dir.resolve("damaged"), damage, idx);
        Path onServer = StoreFiles.copy(damaged, dir.resolve("server").resolve("store"));
        Served plain = served(server, onServer, dir.resolve("server"), 2, false);

        Path store = StoreFiles.copy(damaged, dir.resolve("jetstart").resolve("store"));
        Jetstart jetstart = new Jetstart(dir.resolve("jetstart"));
        JsonNode state = lim1(jetstart.run("recover", store.toString(), "--json", "--quiet").json()).path("state");
        String ctx = damage + (idx ? " with .idx" : " without .idx") + ": " + server + " served " + plain;
        assertThat(state.path("messages").asLong()).as(ctx).isEqualTo(plain.seqs().size());
        if (!plain.seqs().isEmpty()) {
            assertThat(state.path("first_seq").asLong()).as(ctx).isEqualTo(plain.seqs().get(0));
        }
        Jetstart.Result repair = jetstart.run("repair", store.toString());
        assertThat(repair.exitCode()).as("%s", repair).isEqualTo(0);
        // A flipped length with the .idx cuts away its last sequence, and an .idx whose last is past its
        // block's records goes (the block as it is): repair adds an empty block 2 and its .idx to keep
        // that last (a tombstone 2.9 would take for a message of sequence 2^62 + 1000).
        boolean keepsIdxLast = idx && (damage.startsWith("LENGTH") || damage.startsWith("IDX LAST "));
        if (damage.startsWith("IDX LAST ")) {
            // 2.9.10 reports the .idx's last (and 990 messages, serving 1..1000): jetstart reports it too.
            assertThat(plain.reportedLast()).as(ctx).isEqualTo(Long.parseLong(damage.substring("IDX LAST ".length())));
            assertThat(state.path("last_seq").asLong()).as(ctx).isEqualTo(plain.reportedLast());
        }
        assertThat(Files.exists(store.resolve("jetstream/$G/streams/LIM1/msgs/2.idx"))).as("%s", repair).isEqualTo(keepsIdxLast);
        Served repaired = served(server, StoreFiles.copy(store, dir.resolve("repaired").resolve("store")), dir.resolve("repaired"), 1,
                true);
        assertThat(repaired.seqs()).as("%s; after jetstart repair %s", ctx, repaired).isEqualTo(plain.seqs());
        // Without the .idx a flipped first length keeps the block whole in jetstart (999 records past
        // it; next publish 1001), where 2.9.10 cut it and publishes 1 (docs/format-notes.md).
        if (idx || !damage.equals("LENGTH")) {
            assertThat(repaired.reportedLast()).as("%s; after jetstart repair %s", ctx, repaired)
                    .isEqualTo(state.path("last_seq").asLong());
            assertThat(repaired.published()).as("%s; after jetstart repair %s", ctx, repaired)
                    .isEqualTo(state.path("last_seq").asLong() + 1);
        }
    }

    /**
     * What the server serves: MSG.GET of 1..1000 at its first start, the same at any later one; its
     * reported count and last sequence; the sequence a publish at the last start got (0: none).
     */
    private record Served(List<Long> seqs, long reported, long reportedLast, long published) {
        @Override
        public String toString() {
            return seqs.size() + (seqs.isEmpty() ? "" : " (" + seqs.get(0) + ".." + seqs.get(seqs.size() - 1) + ")")
                    + ", reported " + reported + ", last " + reportedLast + (published == 0 ? "" : ", published " + published);
        }
    }

    private static Served served(NatsServerBinary server, Path store, Path work, int starts, boolean publish) throws Exception {
        List<Long> first = null;
        long reported = -1;
        long reportedLast = -1;
        long published = 0;
        for (int start = 1; start <= starts; start++) {
            try (NatsServerProcess p = NatsServerProcess.start(server, store, work.resolve("start" + start), ServerAccounts.GLOBAL);
                 NatsClient client = p.connect(Account.GLOBAL)) {
                JsApi api = new JsApi(client.connection(), Json.mapper());
                if (start == 1) {
                    JsonNode info = api.streamInfo("LIM1").path("state");
                    reported = info.path("messages").asLong();
                    reportedLast = info.path("last_seq").asLong();
                }
                List<Long> seqs = new ArrayList<>();
                for (long seq = 1; seq <= 1000; seq++) {
                    // 2.9.10 answers a bad record as no message (10037); anything else fails the test.
                    api.message("LIM1", seq).ifPresent(m -> seqs.add(m.path("seq").asLong()));
                }
                if (first == null) {
                    first = seqs;
                } else {
                    assertThat(seqs).as("%s serves the same after a restart", server).isEqualTo(first);
                }
                if (publish && start == starts) {
                    published = client.connection().jetStream().publish("lim1.x", new byte[] {1}).getSeqno();
                }
                p.stopGracefully();
            }
        }
        return new Served(first, reported, reportedLast, published);
    }

    private static JsonNode lim1(JsonNode report) {
        for (JsonNode s : report.path("streams")) {
            if (s.path("name").asText().equals("LIM1")) {
                return s;
            }
        }
        throw new AssertionError("no LIM1 in " + report);
    }

    /**
     * The fixture with LIM1's 1.blk damaged as named (as DamagedLegacyBlockRepairTest does: SEQUENCE UP
     * makes message 1's sequence 1025, SEQUENCE 0 makes it 0), its 1.idx kept or removed.
     */
    private static Path damagedCopy(Path dir, String damage, boolean idx) throws Exception {
        Path store = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-small", dir);
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        Path blk = msgs.resolve("1.blk");
        if (damage.startsWith("PAYLOAD ")) {
            StoreFaults.flipPayloadBit(blk, Long.parseLong(damage.substring("PAYLOAD ".length())));
        } else if (damage.equals("SEQUENCE UP")) {
            StoreFaults.flipSequenceBit(blk, 1, 10);
        } else if (damage.equals("SEQUENCE 0")) {
            StoreFaults.flipSequenceBit(blk, 1, 0);
        } else if (damage.startsWith("IDX LAST ")) {
            Path file = msgs.resolve("1.idx");
            io.jetstart.core.format.LegacyIndex li = io.jetstart.core.format.LegacyIndexCodec.decode(Files.readAllBytes(file));
            Files.write(file, io.jetstart.core.format.LegacyIndexCodec.encode(new io.jetstart.core.format.LegacyIndex(li.version(),
                    li.msgs(), li.bytes(), li.firstSeq(), li.firstTs(), Long.parseLong(damage.substring("IDX LAST ".length())),
                    li.lastTs(), li.deleted(), li.lastChecksum(), li.deletedFileOrder())));
        } else if (damage.startsWith("LENGTH ")) {
            StoreFaults.flipLengthBit(blk, Long.parseLong(damage.substring("LENGTH ".length())));
        } else {
            byte[] b = Files.readAllBytes(blk);
            b[0] ^= 2;
            Files.write(blk, b);
        }
        if (!idx) {
            Files.delete(msgs.resolve("1.idx"));
            Files.delete(msgs.resolve("1.fss"));
        }
        return store;
    }
}
