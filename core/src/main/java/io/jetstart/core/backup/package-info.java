/**
 * Moving a stream out of and into a store as nats-server's snapshot: the tar inside it
 * ({@link io.jetstart.core.backup.TarWriter}, {@link io.jetstart.core.backup.TarReader}), the
 * {@code nats stream backup} folder written from a closed store
 * ({@link io.jetstart.core.backup.StreamExport}), and a snapshot unpacked into a store's stream
 * folder ({@link io.jetstart.core.backup.SnapshotUnpacker}). Files only: the network side (the
 * JetStream snapshot/restore API) lives with the commands that speak it.
 */
package io.jetstart.core.backup;
