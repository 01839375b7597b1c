package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart dump} beside a runtime that holds the store: the runtime removes a block's file
 * once nothing in it is live, possibly while the dump walks the stream. Such a block is not damage:
 * the dump goes on, says on stderr that blocks went while it read, and exits 0. A block file that
 * goes while the stream still holds its messages stays damage.
 */
class DumpBesideRuntimeTest {
    private static final Pattern SEQ = Pattern.compile("^\\$G > S  (\\d+)  ", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private Path block(long index) {
        return dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("S").resolve("msgs").resolve(index + ".blk");
    }

    /** The last sequence of blocks 1 and 2 of the stream as it is. */
    private static long lastOfSecondBlock(JetStartStream s) {
        for (StreamView.Block b : s.info().blocks()) {
            if (b.index() == 2) {
                return b.lastSeq();
            }
        }
        throw new AssertionError("no block 2");
    }

    private static List<Long> seqs(String out) {
        List<Long> seqs = new ArrayList<>();
        Matcher m = SEQ.matcher(out);
        while (m.find()) {
            seqs.add(Long.parseLong(m.group(1)));
        }
        return seqs;
    }

    /** Stdout that runs {@code once} at the first message the dump prints (the dump has read block 1 by then). */
    private static final class AtFirstMessage extends Writer {
        private final StringWriter into = new StringWriter();
        private final ThrowingRunnable once;
        private boolean ran;

        AtFirstMessage(ThrowingRunnable once) {
            this.once = once;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            if (!ran) {
                ran = true;
                try {
                    once.run();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            into.write(cbuf, off, len);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void blocksTheRuntimeRemovesWhileTheDumpReadsAreNotDamage() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i <= 40; i++) {
                s.publish("s." + (i % 3), new byte[100]);
            }
            s.flush();
            long cut = lastOfSecondBlock(s);
            AtFirstMessage out = new AtFirstMessage(() -> {
                for (long seq = 1; seq <= cut; seq++) {
                    s.delete(seq);
                }
                // A message after the tombstones: a block of tombstones only would hold block 2 back
                // (nats-server 2.10's rebuild, docs/runtime.md).
                s.publish("s.0", new byte[100]);
                // The writer removes the first two files after the batch that emptied them; a bounded wait.
                for (int i = 0; i < 1000 && Files.exists(block(2)); i++) {
                    Thread.sleep(10);
                }
                assertThat(block(2)).doesNotExist();
            });
            StringWriter err = new StringWriter();
            int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "dump", dir.toString());

            assertThat(exit).as(err.toString()).isEqualTo(Main.OK);
            assertThat(err.toString()).contains("$G > S: 1 block was removed while the stream was dumped").doesNotContain("error");
            List<Long> seqs = seqs(out.into.toString());
            // Block 1 as it was read at the open, nothing of block 2 (removed), every message after it.
            assertThat(seqs).contains(1L).doesNotContain(cut).contains(cut + 1, 40L).isSorted();
        }
    }

    @Test
    void blocksTheRuntimeCompactsWhileTheDumpReadsAreNotDamage() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i <= 40; i++) {
                s.publish("s." + (i % 3), new byte[100]);
            }
            s.flush();
            StreamView.Block second = s.info().blocks().get(1);
            long keep = second.firstSeq() + 2;
            long size = Files.size(block(second.index()));
            AtFirstMessage out = new AtFirstMessage(() -> {
                // All of block 2 but one message goes, its first and last included: at the flush the
                // writer rewrites it without their records (the dump read the state before).
                for (long seq = second.firstSeq(); seq <= second.lastSeq(); seq++) {
                    if (seq != keep) {
                        s.delete(seq);
                    }
                }
                s.flush();
                assertThat(Files.size(block(second.index()))).isLessThan(size / 2);
            });
            StringWriter err = new StringWriter();
            int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "dump", dir.toString());

            assertThat(exit).as(err.toString()).isEqualTo(Main.OK);
            assertThat(err.toString()).contains("$G > S: blocks were compacted while the stream was dumped")
                    .doesNotContain("error").doesNotContain("damage");
            List<Long> seqs = seqs(out.into.toString());
            // Block 2's first record went with its message; its last stays in the file (a compaction
            // keeps the record of a block's last sequence), so the state read at the open prints it,
            // as it prints any message removed after the open whose record is still there.
            assertThat(seqs).contains(1L, keep, 40L).doesNotContain(second.firstSeq()).isSorted();
        }
    }

    @Test
    void aBlockFileDeletedUnderLiveMessagesWhileTheDumpReadsIsDamage() throws Exception {
        long cut;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i <= 40; i++) {
                s.publish("s." + (i % 3), new byte[100]);
            }
            cut = lastOfSecondBlock(s);
        }
        AtFirstMessage out = new AtFirstMessage(() -> Files.delete(block(2)));
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "dump", dir.toString());

        assertThat(exit).isEqualTo(Main.DAMAGED);
        assertThat(err.toString()).contains("2.blk").doesNotContain("removed while the stream was dumped");
        assertThat(seqs(out.into.toString())).doesNotContain(cut).contains(cut + 1);
    }
}
