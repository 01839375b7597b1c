package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesTheContentAndLeavesNoTempFileBehind() throws Exception {
        Path target = tmp.resolve("o.dat");
        Files.write(target, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        AtomicFiles.write(target, new byte[] {42});
        assertThat(Files.readAllBytes(target)).containsExactly(42);
        assertThat(names()).containsExactly("o.dat");
    }

    @Test
    void aTempFileIsNeverTakenForABlockByNatsServer210() throws Exception {
        // 2.10.x lists blocks with fmt.Sscanf(name, "%d.blk"), which reads a leading number and
        // ignores what follows ".blk": "177.blk.123.tmp" was block 177 a second time.
        Path temp = AtomicFiles.createTemp(tmp, "177.blk");
        String name = temp.getFileName().toString();
        assertThat(name).startsWith(".177.blk.").endsWith(".tmp");
        assertThat(Character.isDigit(name.charAt(0))).isFalse();
        Files.delete(temp);
    }

    @Test
    void theNameOfEveryTempFileItMakesNamesItsTargetAndNoOtherNameDoes() throws Exception {
        for (String target : List.of("177.blk", "index.db", "meta.inf", "o.dat", "3.key")) {
            for (int i = 0; i < 50; i++) {
                Path temp = AtomicFiles.createTemp(tmp, target);
                assertThat(AtomicFiles.tempTarget(temp.getFileName().toString())).as(temp.toString()).contains(target);
                Files.delete(temp);
            }
        }
        assertThat(AtomicFiles.tempTarget(".1.blk.18446744073709551615.tmp")).contains("1.blk");
        for (String other : List.of("1.blk", ".1.blk.tmp", "1.blk.12.tmp", ".1.blk.1x.tmp", "..12.tmp", ".1.blk.12.tmp.x",
                ".1.blk.18446744073709551616.tmp", ".1.blk.123456789012345678901.tmp", ".12.tmp", ".tmp")) {
            assertThat(AtomicFiles.tempTarget(other)).as(other).isEmpty();
        }
    }

    @Test
    void leftoverTempsOfTheAcceptedTargetsAreRemovedAndNothingElse() throws Exception {
        List<String> kept = List.of("1.blk", ".1.blk.tmp", ".o.dat.5.tmp", ".notes", "x.tmp");
        for (String n : kept) {
            Files.write(tmp.resolve(n), new byte[] {1});
        }
        Path left = AtomicFiles.createTemp(tmp, "1.blk");
        Files.createDirectory(tmp.resolve(".2.blk.9.tmp"));
        List<Path> removed = AtomicFiles.removeLeftoverTemps(tmp, t -> t.endsWith(".blk"));
        assertThat(removed).containsExactly(left);
        assertThat(names()).containsExactlyInAnyOrder(".1.blk.tmp", ".2.blk.9.tmp", ".notes", ".o.dat.5.tmp", "1.blk", "x.tmp");
        assertThat(AtomicFiles.removeLeftoverTemps(tmp.resolve("absent"), t -> true)).isEmpty();
    }

    @Test
    void createsAMissingFile() throws Exception {
        Path target = tmp.resolve("meta.inf");
        AtomicFiles.write(target, "{}".getBytes());
        assertThat(Files.readString(target)).isEqualTo("{}");
        assertThat(names()).containsExactly("meta.inf");
    }

    @Test
    void writesAnEmptyFile() throws Exception {
        Path target = tmp.resolve("o.dat");
        Files.write(target, new byte[] {1});
        AtomicFiles.write(target, new byte[0]);
        assertThat(Files.size(target)).isZero();
    }

    @Test
    void newFilesAreOwnerReadWriteOnly() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path target = tmp.resolve("meta.sum");
        AtomicFiles.write(target, "0123456789abcdef".getBytes());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
    }

    @Test
    void aFailedRenameLeavesTheTargetAndNoTempFile() throws Exception {
        // A non-empty directory cannot be renamed over.
        Path target = Files.createDirectories(tmp.resolve("o.dat"));
        Files.write(target.resolve("inside"), new byte[] {7});
        assertThatThrownBy(() -> AtomicFiles.write(target, new byte[] {1})).isInstanceOf(IOException.class);
        assertThat(names()).containsExactly("o.dat");
        assertThat(Files.readAllBytes(target.resolve("inside"))).containsExactly(7);
    }

    @Test
    void anUnsyncedWriteReplacesTheContentOwnerOnlyAndLeavesNoTempFileBehind() throws Exception {
        Path target = tmp.resolve("o.dat");
        Files.write(target, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        AtomicFiles.writeUnsynced(target, new byte[] {42});
        assertThat(Files.readAllBytes(target)).containsExactly(42);
        assertThat(names()).containsExactly("o.dat");
        AtomicFiles.writeUnsynced(tmp.resolve("new"), new byte[0]);
        assertThat(Files.size(tmp.resolve("new"))).isZero();
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        }
        AtomicFiles.syncFile(target);
        assertThatThrownBy(() -> AtomicFiles.syncFile(tmp.resolve("gone"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void aFailedUnsyncedRenameLeavesTheTargetAndNoTempFile() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("o.dat"));
        Files.write(target.resolve("inside"), new byte[] {7});
        assertThatThrownBy(() -> AtomicFiles.writeUnsynced(target, new byte[] {1})).isInstanceOf(IOException.class);
        assertThat(names()).containsExactly("o.dat");
        assertThat(Files.readAllBytes(target.resolve("inside"))).containsExactly(7);
    }
}
