/**
 * jetstart core: the NATS JetStream file store format and the per-stream store.
 *
 * <p>Owns: every byte of the on-disk format (records, blocks, {@code index.db}, AVL sequence sets,
 * {@code o.dat}, meta files, legacy 2.9 {@code .idx}/{@code .fss}), HighwayHash-64, encryption at
 * rest with the operator's key ({@code core.crypto}), store layout discovery, and the blocking,
 * thread-confined operations that open or rebuild one stream.
 *
 * <p>Must not: decide what runs in parallel, size limits, log metrics, or import anything from
 * {@code io.jetstart.recovery}, {@code .metrics}, {@code .runtime} or {@code .cli}. Every blocking
 * file operation goes through a {@link io.jetstart.core.io.DiskGate} handed in by the caller.
 * Nothing here deletes, truncates or rewrites a file it reads.
 */
package io.jetstart.core;
