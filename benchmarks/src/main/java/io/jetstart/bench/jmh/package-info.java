/**
 * JMH micro-benchmarks of the three hot spots of a start-up: HighwayHash-64 (every record's
 * checksum), the block scanner (a rebuild's inner loop) and the {@code index.db} decoder (the fast
 * path). Run them with
 * {@code ./mvnw -pl benchmarks -am package -DskipTests && java -jar benchmarks/target/benchmarks.jar}
 * (add a regex to pick some, e.g. {@code HighwayHash}); they never run in {@code ./mvnw verify}.
 */
package io.jetstart.bench.jmh;
