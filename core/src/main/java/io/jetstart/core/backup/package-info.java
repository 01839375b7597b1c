/**
 * Moving a stream out of and into a store as nats-server's snapshot: the tar inside it
 * ({@link io.jetstart.core.backup.TarWriter}, {@link io.jetstart.core.backup.TarReader}), the
 * {@code nats stream backup} folder written from a closed store
 * ({@link io.jetstart.core.backup.StreamExport}), and a snapshot unpacked into a store's stream
 * folder ({@link io.jetstart.core.backup.SnapshotUnpacker}): the tar of nats-server up to 2.14 as
 * it is, and 2.15's {@code NATSARC1} archive ({@link io.jetstart.core.backup.ArchiveReader})
 * written out as the files the server would have. Files only: the network side (the
 * JetStream snapshot/restore API) lives with the commands that speak it.
 */
package io.jetstart.core.backup;
