package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HighwayHash64Test {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }


    @Test
    void reproducesAllSixtyFivePublishedMinioVectors() {
        assertThat(MinioVectors.HASH64).hasSize(65);
        HighwayHash64 h = new HighwayHash64(MinioVectors.ascending(32));
        byte[] input = MinioVectors.ascending(64);
        for (int i = 0; i <= 64; i++) {
            assertThat(HighwayHash64.hex(h.hash(input, 0, i))).as("input length %d", i).isEqualTo(MinioVectors.HASH64.get(i));
        }
    }

    @Test
    void reproducesTheMinioVectorsWhenFedOneByteAtATime() {
        HighwayHash64 h = new HighwayHash64(MinioVectors.ascending(32));
        byte[] input = MinioVectors.ascending(64);
        for (int i = 0; i <= 64; i++) {
            h.reset();
            for (int j = 0; j < i; j++) {
                h.update(input, j, 1);
            }
            assertThat(HighwayHash64.hex(h.finish())).as("input length %d", i).isEqualTo(MinioVectors.HASH64.get(i));
        }
    }

    @Test
    void streamingWithRandomSplitPointsEqualsTheHashOfTheConcatenation() {
        long seed = 0x5eed_4848L;
        Random rnd = new Random(seed);
        HighwayHash64 oneShot = new HighwayHash64(MinioVectors.ascending(32));
        HighwayHash64 streamed = new HighwayHash64(MinioVectors.ascending(32));
        for (int round = 0; round < 2000; round++) {
            int n = round < 300 ? round : rnd.nextInt(5000);
            byte[] data = new byte[n + 7];
            rnd.nextBytes(data);
            int start = rnd.nextInt(8);
            long expected = oneShot.hash(data, start, n);
            streamed.reset();
            int pos = start;
            int end = start + n;
            while (pos < end) {
                int chunk = Math.min(end - pos, rnd.nextInt(rnd.nextBoolean() ? 40 : 200) + (rnd.nextInt(4) == 0 ? 0 : 1));
                streamed.update(data, pos, chunk);
                pos += chunk;
            }
            assertThat(streamed.finish()).as("seed %d round %d length %d", seed, round, n).isEqualTo(expected);
        }
    }

    @Test
    void finishLeavesTheStateSoUpdatingCanContinue() {
        byte[] data = MinioVectors.ascending(100);
        HighwayHash64 h = new HighwayHash64(MinioVectors.ascending(32));
        h.update(data, 0, 37);
        long mid = h.finish();
        assertThat(h.finish()).isEqualTo(mid);
        h.update(data, 37, 63);
        assertThat(h.finish()).isEqualTo(new HighwayHash64(MinioVectors.ascending(32)).hash(data, 0, 100));
        assertThat(mid).isEqualTo(new HighwayHash64(MinioVectors.ascending(32)).hash(data, 0, 37));
    }

    @Test
    void rejectsAKeyThatIsNotThirtyTwoBytes() {
        assertThatThrownBy(() -> new HighwayHash64(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsASliceOutsideTheArray() {
        HighwayHash64 h = new HighwayHash64(MinioVectors.ascending(32));
        assertThatThrownBy(() -> h.update(new byte[10], 5, 6)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void hexAndPutLeWriteTheLittleEndianBytes() {
        long h = 0x0807060504030201L;
        assertThat(HighwayHash64.hex(h)).isEqualTo("0102030405060708");
        byte[] out = new byte[10];
        HighwayHash64.putLE(h, out, 1);
        assertThat(out).isEqualTo(hex("00 0102030405060708 00"));
    }

    // ---- spec §9 vectors ----

    private static String recordChecksum(String stream, int block, String hashedHex) {
        byte[] in = hex(hashedHex);
        return HighwayHash64.hex(new HighwayHash64(HashKeys.forBlock(stream, block)).hash(in, 0, in.length));
    }

    @Test
    void recordAChecksumMatchesSpec92() {
        assertThat(recordChecksum("TEST", 1, "0100000000000000 0000000000000000 666f6f 68656c6c6f"))
                .isEqualTo("618d1fc063955e98");
    }

    @Test
    void recordsB1AndB2ChecksumsMatchSpec93() {
        assertThat(recordChecksum("TEST", 1, "0100000000000000 00002a36fe9c9717 666f6f 68656c6c6f"))
                .isEqualTo("8da3424d916143b5");
        assertThat(recordChecksum("TEST", 1, "0200000000000000 01002a36fe9c9717 666f6f"
                + " 4e4154532f312e300d0a583a20310d0a0d0a 68656c6c6f"))
                .isEqualTo("dcc88be145a258ed");
    }

    @Test
    void specialRecordChecksumsMatchSpec94() {
        assertThat(recordChecksum("TEST", 2, "0100000000000040 00002a36fe9c9717")).isEqualTo("39e7a6f6ad6b61ce");
        assertThat(recordChecksum("TEST", 1, "0300000000000080 01002a36fe9c9717")).isEqualTo("7c1ae1754a3fc986");
        assertThat(recordChecksum("TEST", 1, "0500000000000040 00002a36fe9c9717")).isEqualTo("ddef8147f4fceaa2");
    }

    @Test
    void indexDbTrailersMatchSpec95() {
        HighwayHash64 h = new HighwayHash64(HashKeys.forStream("TEST"));
        byte[] v3 = hex("0b03 026201 8080d0e2c6bfce972f 02 8280d0e2c6bfce972f 0103666f6f020101 01"
                + " 016201000202000000 01dcc88be145a258ed");
        assertThat(v3).hasSize(51);
        assertThat(HighwayHash64.hex(h.hash(v3, 0, v3.length))).isEqualTo("ea93d9244c25d038");
        byte[] purged = hex("0b03 00 00 06 00 05 8080d0e2c6bfce972f 00 01 01 00 06 00 05 8080d0e2c6bfce972f"
                + " 00 00 00 01 ddef8147f4fceaa2");
        assertThat(purged).hasSize(44);
        assertThat(HighwayHash64.hex(h.hash(purged, 0, purged.length))).isEqualTo("65c2154245d2f4a7");
    }

    @Test
    void metaSumsMatchSpec96() {
        String stream = "{\"Created\":\"2023-11-14T22:13:20Z\",\"name\":\"TEST\",\"subjects\":[\"foo\"],"
                + "\"retention\":\"limits\",\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,"
                + "\"max_msgs_per_subject\":-1,\"max_msg_size\":-1,\"discard\":\"old\",\"storage\":\"file\","
                + "\"num_replicas\":1,\"duplicate_window\":120000000000,\"compression\":\"none\","
                + "\"allow_direct\":false,\"mirror_direct\":false,\"sealed\":false,\"deny_delete\":false,"
                + "\"deny_purge\":false,\"allow_rollup_hdrs\":false,\"consumer_limits\":{},"
                + "\"allow_msg_ttl\":false,\"metadata\":{\"_nats.req.level\":\"0\"}}";
        byte[] meta = stream.getBytes(StandardCharsets.UTF_8);
        assertThat(meta).hasSize(496);
        assertThat(HighwayHash64.hex(new HighwayHash64(HashKeys.forStream("TEST")).hash(meta, 0, meta.length)))
                .isEqualTo("b0493337df98cf00");
        byte[] consumer = ("{\"Created\":\"2023-11-14T22:13:20Z\",\"Name\":\"C1\",\"durable_name\":\"C1\","
                + "\"deliver_policy\":\"all\",\"ack_policy\":\"explicit\",\"ack_wait\":30000000000,"
                + "\"max_deliver\":-1,\"replay_policy\":\"instant\",\"max_ack_pending\":1000,\"num_replicas\":0}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(HighwayHash64.hex(new HighwayHash64(HashKeys.forConsumer("TEST", "C1")).hash(consumer, 0, consumer.length)))
                .isEqualTo("55746acaef8cb8e5");
    }

    // ---- spec §9.10: real server bytes ----

    private static long storedLE(byte[] b, int off) {
        return io.jetstart.core.format.LittleEndian.u64(b, off);
    }

    /** Checksum of the record at {@code off} the way §3.2 says: bytes 4..19, subject, header block, payload. */
    private static long recomputeRecord(HighwayHash64 h, byte[] blk, int off) {
        long rawRl = io.jetstart.core.format.LittleEndian.u32(blk, off);
        boolean hasHeaders = (rawRl & 0x8000_0000L) != 0;
        int rl = (int) (rawRl & 0x7fff_ffffL);
        int slen = io.jetstart.core.format.LittleEndian.u16(blk, off + 20);
        h.reset();
        h.update(blk, off + 4, 16);
        h.update(blk, off + 22, slen);
        int rest = off + 22 + slen + (hasHeaders ? 4 : 0);
        h.update(blk, rest, off + rl - 8 - rest);
        return h.finish();
    }

    @Test
    void recomputesTheStoredChecksumsOfTheSpec910Lim1Records(@TempDir Path tmp) throws Exception {
        Path fixture = Fixtures.copy("nats-2.15.1-small", tmp);
        byte[] blk = Files.readAllBytes(Fixtures.streamDir(fixture, "LIM1").resolve("msgs/1.blk"));
        HighwayHash64 h = new HighwayHash64(HashKeys.forBlock("LIM1", 1));
        assertThat(HighwayHash64.hex(storedLE(blk, 128))).isEqualTo("288fd6005e278a84");
        assertThat(recomputeRecord(h, blk, 0)).isEqualTo(storedLE(blk, 128));
        assertThat(HighwayHash64.hex(storedLE(blk, 6664 + 162 - 8))).isEqualTo("62e80fad36915ddb");
        assertThat(recomputeRecord(h, blk, 6664)).isEqualTo(storedLE(blk, 6664 + 162 - 8));
        assertThat(HighwayHash64.hex(storedLE(blk, 13082 + 136 - 8))).isEqualTo("d2076e820f6add79");
        assertThat(recomputeRecord(h, blk, 13082)).isEqualTo(storedLE(blk, 13082 + 136 - 8));
        assertThat(HighwayHash64.hex(storedLE(blk, 136540 + 22))).isEqualTo("f428e4de38738635");
        assertThat(recomputeRecord(h, blk, 136540)).isEqualTo(storedLE(blk, 136540 + 22));
        assertThat(HighwayHash64.hex(storedLE(blk, blk.length - 8))).isEqualTo("38c69869c692345c");
        assertThat(recomputeRecord(h, blk, blk.length - 30)).isEqualTo(storedLE(blk, blk.length - 8));
    }

    private static void assertTrailer(Path file, HighwayHash64 h, String expectedHex) throws Exception {
        byte[] b = Files.readAllBytes(file);
        assertThat(HighwayHash64.hex(storedLE(b, b.length - 8))).as(file.toString()).isEqualTo(expectedHex);
        assertThat(h.hash(b, 0, b.length - 8)).as(file.toString()).isEqualTo(storedLE(b, b.length - 8));
    }

    @Test
    void recomputesTheSpec910IndexDbTrailers(@TempDir Path tmp) throws Exception {
        Path v215 = Fixtures.copy("nats-2.15.1-small", tmp);
        Path v210 = Fixtures.copy("nats-2.10.27-small", tmp);
        assertTrailer(Fixtures.streamDir(v215, "MAX1").resolve("msgs/index.db"),
                new HighwayHash64(HashKeys.forStream("MAX1")), "a9fab82c966a2987");
        assertTrailer(Fixtures.streamDir(v215, "LIM1").resolve("msgs/index.db"),
                new HighwayHash64(HashKeys.forStream("LIM1")), "89bcbd0bd5dedd51");
        assertTrailer(Fixtures.streamDir(v210, "MAX1").resolve("msgs/index.db"),
                new HighwayHash64(HashKeys.forStream("MAX1")), "a4239e09e35f8615");
    }

    @Test
    void recomputesTheSpec910LegacyFssHash(@TempDir Path tmp) throws Exception {
        Path v29 = Fixtures.copy("nats-2.9.10-small", tmp);
        byte[] fss = Files.readAllBytes(Fixtures.streamDir(v29, "MAX1").resolve("msgs/1.fss"));
        assertThat(fss).hasSize(58);
        long h = new HighwayHash64(HashKeys.forBlock("MAX1", 1)).hash(fss, 0, 42);
        assertThat(HighwayHash64.hex(h)).isEqualTo("1f05fd116950110a");
        assertThat(Arrays.copyOfRange(fss, 42, 50)).isEqualTo(hex("1f05fd116950110a"));
    }

    @Test
    void recomputesTheSpec910MetaSums(@TempDir Path tmp) throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        byte[] meta = Files.readAllBytes(lim1.resolve("meta.inf"));
        assertThat(meta).hasSize(509);
        String sum = HighwayHash64.hex(new HighwayHash64(HashKeys.forStream("LIM1")).hash(meta, 0, meta.length));
        assertThat(sum).isEqualTo("25c7e0aa3a2a35e4")
                .isEqualTo(Files.readString(lim1.resolve("meta.sum"), StandardCharsets.US_ASCII));
        byte[] c0 = Files.readAllBytes(lim1.resolve("obs/C0/meta.inf"));
        assertThat(c0).hasSize(297);
        String c0sum = HighwayHash64.hex(new HighwayHash64(HashKeys.forConsumer("LIM1", "C0")).hash(c0, 0, c0.length));
        assertThat(c0sum).isEqualTo("f8074b79bc5af36d")
                .isEqualTo(Files.readString(lim1.resolve("obs/C0/meta.sum"), StandardCharsets.US_ASCII));
    }
}
