/**
 * The 256-bit vector HighwayHash-64 record checksum (JDK {@code jdk.incubator.vector}).
 *
 * <p>Owns: {@link io.jetstart.core.hash.vector.VectorRecordHash}, the only code in jetstart that
 * touches the incubating Vector API. It is compiled for Java 25 with that module and never
 * referenced directly: {@link io.jetstart.core.hash.RecordHashes} loads it reflectively, and only
 * when the module is in the boot layer, so the rest of core stays Java 21 and a JVM started
 * without {@code --add-modules jdk.incubator.vector} uses the scalar hash instead of failing.
 *
 * <p>Must not: be imported by any other class, do I/O, or keep state shared between threads.
 */
package io.jetstart.core.hash.vector;
