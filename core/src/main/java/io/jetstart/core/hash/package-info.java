/**
 * HighwayHash-64, the checksum of every nats-server file store structure, and the SHA-256 keys
 * it is used with. Pure computation: no I/O, no shared state.
 */
package io.jetstart.core.hash;
