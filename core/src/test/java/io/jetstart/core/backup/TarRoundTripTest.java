package io.jetstart.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TarRoundTripTest {

    private static Map<String, byte[]> readAll(byte[] tar) throws IOException {
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (TarReader.Entry e; (e = r.next()) != null; ) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            r.copyEntry(b);
            assertThat(b.size()).isEqualTo(e.size());
            out.put(e.name(), b.toByteArray());
        }
        return out;
    }

    @Test
    void entriesWrittenAreReadBackInOrderWithTheirBytes() throws IOException {
        long seed = 20261204L;
        Random rnd = new Random(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("meta.inf", "{\"name\":\"S\"}".getBytes(StandardCharsets.UTF_8));
        files.put("msgs/1.blk", new byte[0]);
        for (int size : new int[] {1, 511, 512, 513, 70_000}) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            files.put("msgs/" + (size + 1) + ".blk", b);
        }
        files.put("obs/" + "c".repeat(120) + "/o.dat", new byte[] {1, 2, 3});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out, 1_700_000_000L);
        for (var e : files.entrySet()) {
            w.add(e.getKey(), e.getValue());
        }
        w.finish();

        assertThat(out.size() % 512).as("seed %d", seed).isZero();
        Map<String, byte[]> back = readAll(out.toByteArray());
        assertThat(back.keySet()).containsExactlyElementsOf(files.keySet());
        files.forEach((k, v) -> assertThat(back.get(k)).as("%s, seed %d", k, seed).isEqualTo(v));
    }

    @Test
    void aPaxPathAndSizeApplyToTheNextEntryAsGoWritesThem() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out, 0);
        String rec = "30 mtime=1700000000.123456789\n" + "19 path=msgs/9.blk\n";
        w.addTyped("PaxHeaders/x", rec.getBytes(StandardCharsets.UTF_8), (byte) 'x');
        w.add("short-name", new byte[] {7, 8});
        w.finish();

        assertThat(readAll(out.toByteArray())).containsOnlyKeys("msgs/9.blk");
    }

    @Test
    void aDamagedHeaderChecksumNamesTheOffset() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out, 0);
        w.add("a", new byte[600]);
        w.add("b", new byte[1]);
        w.finish();
        byte[] tar = out.toByteArray();
        tar[1536 + 3] ^= 0x20; // a byte of the second header's name

        assertThatThrownBy(() -> readAll(tar)).isInstanceOf(IOException.class)
                .hasMessageContaining("offset 1536").hasMessageContaining("checksum");
    }

    @Test
    void aTruncatedArchiveIsAnErrorNotAShortFile() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out, 0);
        w.add("a", new byte[2000]);
        w.finish();
        byte[] cut = java.util.Arrays.copyOf(out.toByteArray(), 1000);

        assertThatThrownBy(() -> readAll(cut)).isInstanceOf(IOException.class).hasMessageContaining("missing");
    }

    @Test
    void aSymlinkEntryIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out, 0);
        w.addTyped("link", new byte[0], (byte) '2');
        w.finish();

        assertThatThrownBy(() -> readAll(out.toByteArray())).isInstanceOf(IOException.class)
                .hasMessageContaining("type '2'").hasMessageContaining("offset 0");
    }

    @Test
    void aSourceShorterThanItsDeclaredSizeFailsTheEntry() {
        TarWriter w = new TarWriter(new ByteArrayOutputStream(), 0);

        assertThatThrownBy(() -> w.add("msgs/1.blk", 10, new ByteArrayInputStream(new byte[4])))
                .isInstanceOf(IOException.class).hasMessageContaining("msgs/1.blk").hasMessageContaining("4 of 10");
    }
}
