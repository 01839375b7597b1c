package io.jetstart.it;

import io.nats.client.Connection;

/**
 * A jnats connection for try-with-resources: {@link Connection#close()} throws
 * {@link InterruptedException}, which a resource should not; here the interrupt is kept instead.
 */
record NatsClient(Connection connection) implements AutoCloseable {

    @Override
    public void close() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
