/**
 * Key/value buckets over the runtime's streams, with nats-server's and jnats's conventions
 * ({@code KV_<bucket>} streams, {@code $KV.<bucket>.<key>} subjects, {@code KV-Operation} markers),
 * so a bucket written here is read by jnats through nats-server and the other way round.
 */
package io.jetstart.runtime.kv;
