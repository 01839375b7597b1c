/**
 * nats-server release lines: which line wrote a store ({@link io.jetstart.core.lines.ServerLineDetector}),
 * and the restore and settle rules in which the lines differ ({@link io.jetstart.core.lines.ServerLine}).
 * Only names rules and reads a few header bytes; the rules are applied by {@code io.jetstart.core.store}.
 *
 * <p>No lambdas, method references, pattern {@code switch}es or stream pipelines in the code a
 * store's open runs before its first stream is served (named classes, {@code instanceof}, loops):
 * a fresh JVM bootstraps each at run time there (see the {@code io.jetstart.runtime} package note;
 * docs/benchmarks-passes.md, "Per-stream readiness", sixth pass).
 */
package io.jetstart.core.lines;
