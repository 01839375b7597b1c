/**
 * Stream and consumer {@code meta.inf} / {@code meta.sum} (spec §2): reading and verifying them as
 * nats-server does at startup, typed views over the JSON that keep every byte and unknown key, and
 * atomic writers.
 */
package io.jetstart.core.meta;
