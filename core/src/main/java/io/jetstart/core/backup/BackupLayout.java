package io.jetstart.core.backup;

/** The file names of a {@code nats stream backup} folder (natscli / jsm.go {@code SnapshotToDirectory}). */
public final class BackupLayout {
    /** {@code {"config": StreamConfig, "state": StreamState}}: what the restore request sends. */
    public static final String METADATA = "backup.json";
    /** The snapshot: an S2 stream (framed format) of a tar. */
    public static final String DATA = "stream.tar.s2";

    private BackupLayout() {
    }
}
