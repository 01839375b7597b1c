package io.jetstart.it;

import java.nio.file.Path;

/** One nats-server executable and the version it reports. */
record NatsServerBinary(Path path, ServerVersion version) {

    @Override
    public String toString() {
        return "nats-server " + version;
    }
}
