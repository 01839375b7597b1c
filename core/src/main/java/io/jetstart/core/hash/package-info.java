/**
 * HighwayHash-64, the checksum of every nats-server file store structure, and the SHA-256 keys
 * it is used with; the record checksum ({@link io.jetstart.core.hash.RecordHash}) in its scalar
 * form and, through {@link io.jetstart.core.hash.RecordHashes}, its 256-bit vector form (package
 * {@code vector}, loaded reflectively). Pure computation: no I/O; the only state shared between
 * threads is the once-per-JVM choice of implementation, immutable once made.
 */
package io.jetstart.core.hash;
