package io.jetstart.runtime;

import io.jetstart.core.backup.StreamExport;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A stream's files as they were at one point between two of its writer's batches: taken on the
 * writer's thread right after the blocks were synced and {@code index.db} written, then read at
 * leisure by whoever exports it while the writer goes on.
 *
 * <p>Design note: small files (meta, {@code index.db}, consumers' files) are copied into memory
 * at the point; blocks are kept as open channels and a length. The writer only appends to the
 * last block (beyond the recorded length), and a secure erase replaces a block by renaming a new
 * file over it, which leaves the open channel on the old content: so what is read later is
 * exactly what the block held at the point.
 */
final class StreamCheckpoint implements AutoCloseable {
    /** A block: its name in the stream directory, the channel opened at the point, its length then. */
    private record BlockFile(String name, FileChannel channel, long length) {
    }

    /** A small file copied at the point. */
    private record SmallFile(String name, byte[] bytes) {
    }

    private final byte[] metaInf;
    private final List<SmallFile> head;
    private final List<BlockFile> blocks;
    private final List<SmallFile> tail;
    private final StreamState state;

    private StreamCheckpoint(byte[] metaInf, List<SmallFile> head, List<BlockFile> blocks, List<SmallFile> tail, StreamState state) {
        this.metaInf = metaInf;
        this.head = head;
        this.blocks = blocks;
        this.tail = tail;
        this.state = state;
    }

    /**
     * Takes the point: writer thread only, right after the batch's sync and {@code index.db}.
     *
     * @param view      the view of the blocks just published (each block's committed length)
     * @param indexDb   the {@code index.db} bytes just written
     * @param state     the stream's state at the point (without its consumer count)
     */
    static StreamCheckpoint take(Path streamDir, StreamView view, byte[] indexDb, StreamState state) throws IOException {
        List<BlockFile> blocks = new ArrayList<>();
        try {
            byte[] metaInf = readSmall(streamDir.resolve(MetaFiles.META_INF));
            List<SmallFile> head = List.of(new SmallFile(MetaFiles.META_INF, metaInf),
                    new SmallFile(MetaFiles.META_SUM, readSmall(streamDir.resolve(MetaFiles.META_SUM))));
            for (StreamView.Block b : view.blocks()) {
                if (b.file() == null || !Files.exists(b.file())) {
                    continue;
                }
                FileChannel ch = FileChannel.open(b.file(), StandardOpenOption.READ);
                long length = b.length() >= 0 ? b.length() : ch.size();
                blocks.add(new BlockFile("msgs/" + b.file().getFileName(), ch, length));
            }
            List<SmallFile> tail = new ArrayList<>();
            tail.add(new SmallFile("msgs/index.db", indexDb));
            int consumers = 0;
            Path obs = streamDir.resolve("obs");
            if (Files.isDirectory(obs)) {
                List<Path> dirs;
                try (Stream<Path> s = Files.list(obs)) {
                    dirs = s.filter(Files::isDirectory).sorted().toList();
                }
                for (Path c : dirs) {
                    boolean any = false;
                    for (String f : List.of(MetaFiles.META_INF, MetaFiles.META_SUM, "o.dat")) {
                        if (Files.isRegularFile(c.resolve(f))) {
                            tail.add(new SmallFile("obs/" + c.getFileName() + "/" + f, readSmall(c.resolve(f))));
                            any |= f.equals(MetaFiles.META_INF);
                        }
                    }
                    consumers += any ? 1 : 0;
                }
            }
            return new StreamCheckpoint(metaInf, head, List.copyOf(blocks), List.copyOf(tail), state.withConsumerCount(consumers));
        } catch (IOException | RuntimeException e) {
            for (BlockFile b : blocks) {
                closeQuietly(b.channel());
            }
            throw e;
        }
    }

    /** Largest meta or consumer state file copied into memory (nats-server's are far smaller). */
    private static final long MAX_SMALL_FILE = 64L << 20;

    private static byte[] readSmall(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_SMALL_FILE) {
            throw new IOException(file + ": " + size + " bytes, more than the " + MAX_SMALL_FILE + " expected of a meta or consumer file");
        }
        return Files.readAllBytes(file);
    }

    StreamState state() {
        return state;
    }

    /** Writes the point as a {@code nats stream backup} folder (backup.json, stream.tar.s2). */
    StreamExport.Result export(Path outDir) throws IOException {
        List<StreamExport.Entry> entries = new ArrayList<>();
        for (SmallFile f : head) {
            entries.add(new StreamExport.Entry(f.name(), f.bytes().length, () -> new java.io.ByteArrayInputStream(f.bytes())));
        }
        for (BlockFile b : blocks) {
            entries.add(new StreamExport.Entry(b.name(), b.length(), () -> new ChannelPrefix(b.channel(), b.length())));
        }
        for (SmallFile f : tail) {
            entries.add(new StreamExport.Entry(f.name(), f.bytes().length, () -> new java.io.ByteArrayInputStream(f.bytes())));
        }
        return StreamExport.write(outDir, metaInf, state, entries, () -> { });
    }

    @Override
    public void close() {
        for (BlockFile b : blocks) {
            closeQuietly(b.channel());
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // A read-only channel: nothing was written through it.
        }
    }

    /** The first {@code length} bytes of a channel, by position (the channel's own position is not used); closing it closes nothing. */
    private static final class ChannelPrefix extends InputStream {
        private final FileChannel ch;
        private final long length;
        private long pos;

        ChannelPrefix(FileChannel ch, long length) {
            this.ch = ch;
            this.length = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= length) {
                return -1;
            }
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, length - pos)), pos);
            if (n < 0) {
                throw new IOException("block ended at " + pos + " of the " + length + " bytes it had at the checkpoint");
            }
            pos += n;
            return n;
        }
    }
}
