/**
 * jetstart recovery: discovery, the plan, the structured parallel startup and its report.
 *
 * <p>Owns the policy: what runs in parallel, in which order, under which limits (the dios gate),
 * and what a failure means. Emits events to a {@code RecoveryListener}; never records metrics.
 *
 * <p>Must not: parse file formats itself (that is core), import metrics, runtime or cli, or touch
 * {@code StructuredTaskScope} outside the {@code structured} package. Never writes, truncates or
 * deletes anything (the {@code repair} package, asked to by an operator, is the one exception).
 *
 * <p>No lambdas, method references, pattern {@code switch}es or stream pipelines in the code a
 * store's open runs before its first stream is served (named classes, {@code instanceof}, loops):
 * a fresh JVM bootstraps each at run time there (see the {@code io.jetstart.runtime} package note;
 * docs/benchmarks-passes.md, "Per-stream readiness", sixth pass).
 */
package io.jetstart.recovery;
