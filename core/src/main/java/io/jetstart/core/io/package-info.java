/**
 * Blocking file access for core: the {@link io.jetstart.core.io.DiskGate} that bounds concurrent
 * disk operations, and bounded reads that check sizes before allocating.
 *
 * <p>No lambdas, method references, pattern {@code switch}es or stream pipelines in the code a
 * store's open runs before its first stream is served (named classes, {@code instanceof}, loops):
 * a fresh JVM bootstraps each at run time there (see the {@code io.jetstart.runtime} package note;
 * docs/benchmarks-passes.md, "Per-stream readiness", sixth pass).
 */
package io.jetstart.core.io;
