package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14 through the command line: verify's exit status and JSON, repair's dry run, repair and undo. */
class VerifyRepairCommandTest {
    @TempDir
    Path tmp;

    @Test
    void verifyOfACleanStoreExitsZeroInBothModes() {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        TestStores.Run full = TestStores.cli("verify", store.toString());
        TestStores.Run quick = TestStores.cli("verify", store.toString(), "--quick");
        assertThat(full.exit()).as(full.err()).isZero();
        assertThat(full.out()).contains("verify (full)").endsWith("clean\n");
        assertThat(quick.exit()).as(quick.err()).isZero();
        assertThat(quick.out()).contains("verify (quick)");
    }

    @Test
    void verifyNamesTheFileTheOffsetAndWhatTheServerWouldDoAndExitsOne() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Path block = StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/MAX1"));
        Map<String, String> before = TestStores.digests(store);

        TestStores.Run run = TestStores.cli("verify", store.toString(), "--json");

        assertThat(run.exit()).as(run.err()).isEqualTo(Main.DAMAGED);
        JsonNode v = run.json().get("verify");
        assertThat(v.get("clean").asBoolean()).isFalse();
        assertThat(v.get("findings")).anySatisfy(f -> {
            assertThat(f.get("file").asText()).isEqualTo(block.toString());
            assertThat(f.has("offset")).isTrue();
            assertThat(f.get("server_action").asText()).isEqualTo("truncate_block");
            assertThat(f.get("damage").asBoolean()).isTrue();
        });
        assertThat(TestStores.digests(store)).as("verify is read-only").isEqualTo(before);
    }

    @Test
    void verifyFindsABadRecordBehindATrustedIndexThatQuickDoesNotRead() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Path block = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        byte[] b = Files.readAllBytes(block);
        b[b.length / 2] ^= 4;
        Files.write(block, b);

        TestStores.Run quick = TestStores.cli("verify", store.toString(), "--quick");
        TestStores.Run full = TestStores.cli("verify", store.toString(), "--json");

        assertThat(quick.exit()).as(quick.out()).isZero();
        assertThat(full.exit()).isEqualTo(Main.DAMAGED);
        // index.db disagrees with the blocks read up to the bad record because of it: the same damage,
        // met on the server's first read, which repair (planning from start-up) leaves as it is.
        assertThat(full.json().get("verify").get("findings")).extracting(f -> f.get("file").asText() + " " + f.get("server_action").asText())
                .contains(block + " found_on_read", block.resolveSibling("index.db") + " found_on_read")
                .noneMatch(f -> f.endsWith("trusts_index"));
        TestStores.Run text = TestStores.cli("verify", store.toString());
        TestStores.Run repair = TestStores.cli("repair", store.toString(), "--dry-run");
        assertThat(text.out()).contains("index.db disagrees with the blocks as read up to their damage")
                .contains("`jetstart repair` leaves it as it is").doesNotContain("plans the fix");
        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.out()).contains("nothing to repair");
    }

    /**
     * What a full disk (or a kill) leaves once the runtime wrote on: a sealed block ending in a torn
     * record behind an index.db that trusts it (v4, 2.14+: for v1 the runtime writes none while the
     * block is there, and the server cuts it at its start). nats-server meets it only when it reads
     * that block; repair plans from start-up and leaves it, so verify no longer promises repair's fix for it.
     */
    @Test
    void damageTheServerMeetsOnlyOnAReadIsNotPromisedToRepair() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        try (io.jetstart.runtime.JetStartStore js = io.jetstart.runtime.JetStart.open(store, io.jetstart.runtime.RuntimeOptions.defaults().withIndexVersion(4))) {
            var s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.builder("T").subjects("t").build());
            for (int i = 0; i < 5; i++) {
                s.publish("t", new byte[20]);
            }
        }
        Path block = store.resolve("jetstream/$G/streams/T/msgs/1.blk");
        Files.write(block, new byte[14], java.nio.file.StandardOpenOption.APPEND);
        try (io.jetstart.runtime.JetStartStore js = io.jetstart.runtime.JetStart.open(store, io.jetstart.runtime.RuntimeOptions.defaults().withIndexVersion(4))) {
            // Not appended after the torn record: a new block, and index.db at the close.
            js.stream("T").await(java.time.Duration.ofSeconds(30)).publish("t", new byte[20]);
        }

        TestStores.Run verify = TestStores.cli("verify", store.toString());
        TestStores.Run repair = TestStores.cli("repair", store.toString(), "--dry-run");

        assertThat(verify.exit()).as(verify.out()).isEqualTo(Main.DAMAGED);
        assertThat(verify.out()).contains(block.toString()).contains("which nats-server meets only when it reads those blocks")
                .doesNotContain("plans the fix");
        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.out()).contains("nothing to repair");
    }

    /**
     * A bad checksum in the first message of a 2.9 block whose {@code .idx} is intact: nats-server
     * reads the block through the {@code .idx} and serves the 989 others (DamagedLegacyBlockOnServerIT),
     * so verify reports the damage and the one message lost, and repair leaves the block as it is.
     */
    @Test
    void aBadRecordA29ServerReadsAroundIsReportedAndLeftByRepair() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.9.10-small", tmp);
        Path block = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        byte[] damaged = StoreFaults.flipPayloadBit(block, 1);

        TestStores.Run verify = TestStores.cli("verify", store.toString());
        TestStores.Run repair = TestStores.cli("repair", store.toString());

        assertThat(verify.exit()).as(verify.out()).isEqualTo(Main.DAMAGED);
        assertThat(verify.out()).contains(block.toString()).contains("lost data: 1 messages")
                .contains("which nats-server starts with as it is").doesNotContain("plans the fix");
        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.out()).contains("nothing to repair");
        assertThat(Files.readAllBytes(block)).isEqualTo(damaged);
    }

    /** The same for the 2.10 line: no index.db while the torn block is there, so the server cuts it at its start, and repair can. */
    @Test
    void forThe210LineTheSameDamageIsCutAtStartUpAndRepairPlansIt() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        io.jetstart.runtime.RuntimeOptions v1 = io.jetstart.runtime.RuntimeOptions.defaults().withIndexVersion(1);
        try (io.jetstart.runtime.JetStartStore js = io.jetstart.runtime.JetStart.open(store, v1)) {
            var s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.builder("T").subjects("t").build());
            for (int i = 0; i < 5; i++) {
                s.publish("t", new byte[20]);
            }
        }
        Path block = store.resolve("jetstream/$G/streams/T/msgs/1.blk");
        Files.write(block, new byte[14], java.nio.file.StandardOpenOption.APPEND);
        try (io.jetstart.runtime.JetStartStore js = io.jetstart.runtime.JetStart.open(store, v1)) {
            js.stream("T").await(java.time.Duration.ofSeconds(30)).publish("t", new byte[20]);
        }
        assertThat(store.resolve("jetstream/$G/streams/T/msgs/index.db")).doesNotExist();

        TestStores.Run verify = TestStores.cli("verify", store.toString());
        TestStores.Run repair = TestStores.cli("repair", store.toString(), "--dry-run");

        assertThat(verify.exit()).as(verify.out()).isEqualTo(Main.DAMAGED);
        assertThat(verify.out()).contains(block + " at offset 255").contains("at start-up: truncates the block at this offset")
                .contains("plans the fix");
        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.out()).contains(block.toString()).doesNotContain("nothing to repair");
    }

    /**
     * A consumer whose meta.sum is missing: nats-server skips it and leaves its files, and repair
     * plans nothing for it. verify said "`jetstart repair` plans the fix" and repair then said
     * "nothing to repair" (found by running verify, repair, verify on a store damaged by hand).
     */
    @Test
    void damageRepairPlansNothingForIsNotPromisedToRepair() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Files.delete(store.resolve("jetstream/$G/streams/LIM1/obs/C1/meta.sum"));

        TestStores.Run verify = TestStores.cli("verify", store.toString());
        TestStores.Run repair = TestStores.cli("repair", store.toString(), "--dry-run");

        assertThat(verify.exit()).as(verify.out()).isEqualTo(Main.DAMAGED);
        assertThat(verify.out()).contains("Missing consumer checksum").contains("skips the consumer")
                .contains("damage found in 1 stream(s), which nats-server deletes or cuts nothing of at start-up")
                .contains("`jetstart repair` leaves it as it is").doesNotContain("plans the fix");
        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.out()).contains("nothing to repair");
    }

    /** Beside a stream repair does cut, verify names the stream whose damage it leaves. */
    @Test
    void verifySaysWhichDamagedStreamsRepairLeaves() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Files.delete(store.resolve("jetstream/$G/streams/LIM1/obs/C1/meta.sum"));
        Path block = StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/MAX1"));

        TestStores.Run verify = TestStores.cli("verify", store.toString());
        TestStores.Run repair = TestStores.cli("repair", store.toString(), "--dry-run");

        assertThat(verify.exit()).as(verify.out()).isEqualTo(Main.DAMAGED);
        assertThat(verify.out()).contains("damage found in 2 stream(s); `jetstart repair` plans the fix for 1 of them (--dry-run) "
                + "and leaves the damage of $G > LIM1 as it is");
        assertThat(repair.out()).contains("truncate " + block).doesNotContain("LIM1");
    }

    /**
     * A stream folder this process may not write (a read-only mount, another user's store): the
     * repair copied the first bytes to the quarantine, failed to remove the file, and said "what was
     * done is in <quarantine>" when nothing was. Runs only where permissions bind (not as root).
     */
    @Test
    void aStoreFolderThisProcessCannotWriteIsNamedAndNothingChanges() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp.resolve("in"));
        Path msgs = StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/MAX1")).getParent();
        Map<String, String> damaged = TestStores.digests(store);
        java.util.Set<java.nio.file.attribute.PosixFilePermission> was = Files.getPosixFilePermissions(msgs);
        Files.setPosixFilePermissions(msgs, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(msgs), "this process writes a r-x folder (root)");

            TestStores.Run repair = TestStores.cli("repair", store.toString());

            assertThat(repair.exit()).as(repair.out() + repair.err()).isEqualTo(Main.NO_INPUT);
            assertThat(repair.err()).contains("not writable by this process: " + msgs).contains("nothing changed");
            try (Stream<Path> s = Files.list(tmp.resolve("in"))) {
                assertThat(s.map(p -> p.getFileName().toString())).as("no quarantine folder").noneMatch(n -> n.contains("quarantine"));
            }
            assertThat(TestStores.digests(store)).isEqualTo(damaged);
        } finally {
            Files.setPosixFilePermissions(msgs, was);
        }
    }

    /** The folder beside the store, where the quarantine goes, not writable: named, nothing changed. */
    @Test
    void aQuarantineThatCannotBeMadeIsNamedAndNothingChanges() throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("in"));
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", parent);
        StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/MAX1"));
        Map<String, String> damaged = TestStores.digests(store);
        java.util.Set<java.nio.file.attribute.PosixFilePermission> was = Files.getPosixFilePermissions(parent);
        Files.setPosixFilePermissions(parent, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(parent), "this process writes a r-x folder (root)");

            TestStores.Run repair = TestStores.cli("repair", store.toString());

            assertThat(repair.exit()).as(repair.out() + repair.err()).isEqualTo(Main.NO_INPUT);
            assertThat(repair.err()).contains("beside " + store).contains(parent.toString()).contains("nothing changed");
            assertThat(TestStores.digests(store)).isEqualTo(damaged);
        } finally {
            Files.setPosixFilePermissions(parent, was);
        }
    }

    /**
     * Two repairs of one store at once: the second refuses (75) before it plans, naming the lock, and
     * changes nothing. Both planned the same changes, and the second stopped at the first file the
     * other had changed, with a quarantine of its own (found by starting two at once).
     */
    @Test
    void aSecondRepairWhileOneRunsRefusesAndChangesNothing() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/MAX1"));
        Map<String, String> damaged = TestStores.digests(store);
        TestStores.Run second;
        try (io.jetstart.recovery.repair.RepairLock running = ((io.jetstart.recovery.repair.RepairLock.Attempt.Taken) io.jetstart.recovery.repair.RepairLock.tryTake(store)).lock()) {
            second = TestStores.cli("repair", store.toString());
        }

        assertThat(second.exit()).as(second.out() + second.err()).isEqualTo(RepairCommand.HELD);
        assertThat(second.err()).contains("another jetstart repair or undo of it is running (pid " + ProcessHandle.current().pid() + ")")
                .contains(io.jetstart.recovery.repair.RepairLock.file(store).toString());
        assertThat(second.out()).doesNotContain("quarantine");
        assertThat(TestStores.digests(store)).isEqualTo(damaged);
        TestStores.Run repair = TestStores.cli("repair", store.toString());
        assertThat(repair.exit()).as("once it has ended").isZero();
        String quarantine = repair.out().lines().filter(l -> l.startsWith("quarantine: ")).findFirst().orElseThrow()
                .substring("quarantine: ".length()).split(" \\(")[0];
        try (io.jetstart.recovery.repair.RepairLock running = ((io.jetstart.recovery.repair.RepairLock.Attempt.Taken) io.jetstart.recovery.repair.RepairLock.tryTake(store)).lock()) {
            assertThat(TestStores.cli("repair", "--undo", quarantine).exit()).as("an undo waits for it too").isEqualTo(RepairCommand.HELD);
        }
        assertThat(TestStores.cli("repair", "--undo", quarantine).exit()).isZero();
        assertThat(TestStores.digests(store)).isEqualTo(damaged);
    }

    /** While a repair holds a store the runtime has used, a runtime opening it is refused: one writer at a time. */
    @Test
    void aRuntimeCannotOpenAStoreARepairHolds() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        io.jetstart.runtime.JetStart.open(store, io.jetstart.runtime.RuntimeOptions.defaults()).close(); // its jetstart.lock
        try (io.jetstart.recovery.repair.RepairLock running =
                     ((io.jetstart.recovery.repair.RepairLock.Attempt.Taken) io.jetstart.recovery.repair.RepairLock.tryTake(store)).lock()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.jetstart.runtime.JetStart.open(store,
                    io.jetstart.runtime.RuntimeOptions.defaults())).hasMessageContaining("jetstart.lock");
        }
        io.jetstart.runtime.JetStart.open(store, io.jetstart.runtime.RuntimeOptions.defaults()).close();
    }

    @Test
    void repairDryRunChangesNothingRepairThenUndoRestoresEveryByte() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        StoreFaults.GARBAGE_BLOCK.apply(store.resolve("jetstream/$G/streams/LIM1"));
        Map<String, String> damaged = TestStores.digests(store);

        TestStores.Run dry = TestStores.cli("repair", store.toString(), "--dry-run");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("remove ").contains("2.blk").contains("dry run: nothing changed");
        assertThat(TestStores.digests(store)).isEqualTo(damaged);

        TestStores.Run repair = TestStores.cli("repair", store.toString());
        assertThat(repair.exit()).as(repair.out() + repair.err()).isZero();
        assertThat(repair.out()).contains("repaired:");
        assertThat(TestStores.cli("verify", store.toString()).exit()).isZero();
        Path quarantine;
        try (Stream<Path> s = Files.list(tmp)) {
            quarantine = s.filter(p -> p.getFileName().toString().contains(".jetstart-quarantine-")).findFirst().orElseThrow();
        }
        assertThat(quarantine.resolve("manifest.json")).isRegularFile();

        TestStores.Run undo = TestStores.cli("repair", "--undo", quarantine.toString());
        assertThat(undo.exit()).as(undo.err()).isZero();
        assertThat(TestStores.digests(store)).isEqualTo(damaged);
    }

    @Test
    void undoOfADamagedQuarantineNamesTheFileOnOneLineAndChangesNothing() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        StoreFaults.GARBAGE_BLOCK.apply(store.resolve("jetstream/$G/streams/LIM1"));
        TestStores.Run repair = TestStores.cli("repair", store.toString());
        assertThat(repair.exit()).as(repair.out() + repair.err()).isZero();
        Map<String, String> repaired = TestStores.digests(store);
        Path quarantine;
        try (Stream<Path> s = Files.list(tmp)) {
            quarantine = s.filter(p -> p.getFileName().toString().contains(".jetstart-quarantine-")).findFirst().orElseThrow();
        }
        Path manifest = quarantine.resolve("manifest.json");
        String whole = Files.readString(manifest);
        Files.writeString(manifest, whole.substring(0, whole.length() / 2)); // cut short, as by a full disk

        TestStores.Run cut = TestStores.cli("repair", "--undo", quarantine.toString());

        assertThat(cut.exit()).isEqualTo(Main.FAILED);
        assertThat(cut.err()).startsWith("jetstart: undo: " + manifest + ": not a readable manifest: ").hasLineCount(1);
        assertThat(TestStores.digests(store)).isEqualTo(repaired);

        Files.writeString(manifest, whole);
        Path data;
        try (Stream<Path> s = Files.list(quarantine.resolve("data"))) {
            data = s.findFirst().orElseThrow();
        }
        Files.delete(data);

        TestStores.Run missing = TestStores.cli("repair", "--undo", quarantine.toString());

        assertThat(missing.exit()).isEqualTo(Main.FAILED);
        assertThat(missing.err()).isEqualTo("jetstart: undo: " + data + ": does not exist\n");
    }

    @Test
    void aDryRunBesideALiveWriterSaysTheRepairWouldBeRefused() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        try (io.jetstart.runtime.JetStartStore held = io.jetstart.runtime.JetStart.open(store, io.jetstart.runtime.RuntimeOptions.defaults())) {
            TestStores.Run dry = TestStores.cli("repair", store.toString(), "--dry-run");

            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.err()).contains("a live process holds " + store).contains("the repair itself refuses (exit 75)");
        }
    }

    @Test
    void repairWantsEitherAStoreOrAnUndo() {
        assertThat(TestStores.cli("repair").exit()).isEqualTo(Main.USAGE);
        assertThat(TestStores.cli("repair", tmp.toString(), "--undo", tmp.toString()).exit()).isEqualTo(Main.USAGE);
        assertThat(TestStores.cli("repair", "--undo", tmp.resolve("none").toString()).exit()).isEqualTo(Main.NO_INPUT);
    }

    @Test
    void verifyReadsAnEncryptedStoreWithItsKeyAndAWrongKeyExitsSixtySix() {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-chacha", tmp);
        String key = io.jetstart.core.testing.Fixtures.key("nats-2.15.1-chacha").orElseThrow();

        TestStores.Run withKey = TestStores.cli("verify", store.toString(), "--key", key);
        TestStores.Run without = TestStores.cli("verify", store.toString());
        TestStores.Run wrong = TestStores.cli("verify", store.toString(), "--key", "not-" + key);

        assertThat(withKey.exit()).as(withKey.out() + withKey.err()).isZero();
        assertThat(withKey.out()).contains("verify (full)").endsWith("clean\n");
        assertThat(without.exit()).as("encrypted streams cannot be verified without the key").isNotZero();
        assertThat(wrong.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(wrong.err()).contains("wrong key?").contains("meta.key");
    }

    @Test
    void repairWithTheKeyCutsATornTailOfAnEncryptedBlockAndVerifyThenFindsItClean() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-aes", tmp);
        String key = io.jetstart.core.testing.Fixtures.key("nats-2.10.27-aes").orElseThrow();
        StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/LIM1"));
        assertThat(TestStores.cli("verify", store.toString(), "--key", key).exit()).isEqualTo(Main.DAMAGED);
        Map<String, String> damaged = TestStores.digests(store);

        TestStores.Run repair = TestStores.cli("repair", store.toString(), "--key", key);
        assertThat(repair.exit()).as(repair.out() + repair.err()).isZero();
        assertThat(repair.out()).contains("repaired:");
        TestStores.Run after = TestStores.cli("verify", store.toString(), "--key", key);
        assertThat(after.exit()).as(after.out()).isZero();

        String quarantine = repair.out().lines().filter(l -> l.startsWith("quarantine: ")).findFirst().orElseThrow()
                .substring("quarantine: ".length()).split(" \\(")[0];
        assertThat(TestStores.cli("repair", "--undo", quarantine).exit()).isZero();
        assertThat(TestStores.digests(store)).isEqualTo(damaged);
    }
}
