/**
 * The {@code jetstart} command: a thin picocli layer over runtime, recovery and core.
 *
 * <p>Owns argument parsing, output formatting (tables, JSON) and exit statuses. Must not hold
 * logic that a library user would need: that lives in the modules below.
 */
package io.jetstart.cli;
