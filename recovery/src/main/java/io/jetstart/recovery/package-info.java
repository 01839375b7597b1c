/**
 * jetstart recovery: discovery, the plan, the structured parallel startup and its report.
 *
 * <p>Owns the policy: what runs in parallel, in which order, under which limits (the dios gate),
 * and what a failure means. Emits events to a {@code RecoveryListener}; never records metrics.
 *
 * <p>Must not: parse file formats itself (that is core), import metrics, runtime or cli, or touch
 * {@code StructuredTaskScope} outside the {@code structured} package. Never writes, truncates or
 * deletes anything (the {@code repair} package, asked to by an operator, is the one exception).
 */
package io.jetstart.recovery;
