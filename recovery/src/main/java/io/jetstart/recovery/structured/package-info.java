/**
 * The one place that uses {@code java.util.concurrent.StructuredTaskScope} (JDK 25 preview API).
 * Compiled for release 25 with {@code --enable-preview}; everything else in jetstart compiles for
 * Java 21 and reaches this package only through {@link io.jetstart.recovery.TaskRunner}, loaded
 * reflectively by {@code TaskRunners} so that a JVM without preview falls back cleanly.
 */
package io.jetstart.recovery.structured;
