/**
 * The per-stream file store: opens one stream directory exactly as nats-server would (fast path
 * from {@code index.db}, else a rebuild from the blocks), applies tombstones and retention limits
 * to the in-memory state, restores consumers, and reports the state nats-server would report.
 *
 * <p>Blocking and thread-confined: one stream per caller thread; every disk operation goes through
 * the caller's {@link io.jetstart.core.io.DiskGate}; block buffers come from the caller's
 * {@link io.jetstart.core.io.BlockBuffers}. Read-only: nothing here writes, truncates or deletes.
 * Where nats-server would destroy data, this package records a {@link io.jetstart.core.store.Problem}
 * saying what the server would have done instead.
 *
 * <p>The one verified reader of message bytes is {@link io.jetstart.core.store.MessageReader}: the
 * CLI's tools read an opened store through it ({@link io.jetstart.core.store.BlockSource#files}), the
 * runtime reads the views its writers publish through it, from a shared, thread-safe
 * {@link io.jetstart.core.store.BlockCache} (plaintext after decryption and decompression, a record
 * index per block).
 *
 * <p>No lambdas, method references, pattern {@code switch}es or stream pipelines in the code a
 * store's open runs before its first stream is served (named classes, {@code instanceof}, loops):
 * a fresh JVM bootstraps each at run time there (see the {@code io.jetstart.runtime} package note;
 * docs/benchmarks-passes.md, "Per-stream readiness", sixth pass).
 */
package io.jetstart.core.store;
