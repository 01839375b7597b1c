/**
 * jetstart metrics: turns recovery and runtime events into Micrometer meters.
 *
 * <p>Owns meter names, units, descriptions and tags, and the Grafana dashboard over them
 * ({@code grafana/jetstart-recovery-dashboard.json}, a copy in docs/grafana). Must not: change
 * recovery behaviour, read files, or register on the global registry.
 */
package io.jetstart.metrics;
