/**
 * nats-server release lines: which line wrote a store ({@link io.jetstart.core.lines.ServerLineDetector}),
 * and the restore and settle rules in which the lines differ ({@link io.jetstart.core.lines.ServerLine}).
 * Only names rules and reads a few header bytes; the rules are applied by {@code io.jetstart.core.store}.
 */
package io.jetstart.core.lines;
