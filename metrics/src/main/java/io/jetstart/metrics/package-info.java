/**
 * jetstart metrics: turns recovery and runtime events into Micrometer meters.
 *
 * <p>Owns meter names, units, descriptions and tags. Must not: change recovery behaviour, read
 * files, or register on the global registry.
 */
package io.jetstart.metrics;
