package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreFilesTest {
    @TempDir
    Path tmp;
    Path src;
    Path msgs;

    @BeforeEach
    void store() throws IOException {
        src = tmp.resolve("store");
        msgs = src.resolve("jetstream/$G/streams/S1/msgs");
        Files.createDirectories(msgs);
        Files.write(msgs.resolve("1.blk"), new byte[] {1, 2, 3});
        Files.write(msgs.resolve("index.db"), new byte[] {11, 3, 0, 0});
        Files.writeString(src.resolve("jetstream/$G/streams/S1/meta.inf"), "{}");
    }

    @Test
    void blocksAreLinkedSoACopyCostsNoBlockBytes() throws IOException {
        Path dst = tmp.resolve("copy");
        StoreFiles.linkCopy(src, dst, false);
        Path copied = dst.resolve("jetstream/$G/streams/S1/msgs/1.blk");
        assertThat(Files.isSameFile(copied, msgs.resolve("1.blk"))).isTrue();
    }

    @Test
    void otherFilesAreRealCopiesThatCanBeRewrittenWithoutTouchingTheCache() throws IOException {
        Path dst = tmp.resolve("copy");
        StoreFiles.linkCopy(src, dst, false);
        Path index = dst.resolve("jetstream/$G/streams/S1/msgs/index.db");
        Files.write(index, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(Files.size(msgs.resolve("index.db"))).isEqualTo(4);
        assertThat(dst.resolve("jetstream/$G/streams/S1/meta.inf")).hasContent("{}");
    }

    @Test
    void emptyIndexGivesEveryCopyA0ByteIndexDbAndLeavesTheCachedOneWhole() throws IOException {
        Path dst = tmp.resolve("copy");
        StoreFiles.linkCopy(src, dst, true);
        assertThat(Files.size(dst.resolve("jetstream/$G/streams/S1/msgs/index.db"))).isZero();
        assertThat(Files.size(msgs.resolve("index.db"))).isEqualTo(4);
    }

    @Test
    void aSnapshotNamesABlockThatGrew() throws IOException {
        StoreFiles.Snapshot before = StoreFiles.Snapshot.take(src);
        Files.write(msgs.resolve("1.blk"), new byte[] {4}, StandardOpenOption.APPEND);
        assertThat(StoreFiles.Snapshot.take(src).changedSince(before)).contains("1.blk").contains("changed");
    }

    @Test
    void aSnapshotOfAnUntouchedStoreHasNoChange() throws IOException {
        StoreFiles.Snapshot before = StoreFiles.Snapshot.take(src);
        assertThat(StoreFiles.Snapshot.take(src).changedSince(before)).isNull();
    }

    @Test
    void deletingALinkedCopyLeavesTheCachedBlocks() throws IOException {
        Path dst = tmp.resolve("runs/copy");
        StoreFiles.linkCopy(src, dst, true);
        StoreFiles.deleteTree(dst, tmp.resolve("runs"));
        assertThat(dst).doesNotExist();
        assertThat(msgs.resolve("1.blk")).hasBinaryContent(new byte[] {1, 2, 3});
    }

    @Test
    void deleteTreeRefusesAFolderOutsideItsRoot() {
        assertThatThrownBy(() -> StoreFiles.deleteTree(src, tmp.resolve("runs"))).isInstanceOf(IOException.class)
                .hasMessageContaining("refusing");
        assertThat(src).exists();
    }
}
