package io.jetstart.core.io;

import java.io.IOException;

/** Stateless pass-through gate. */
enum UnboundedGate implements DiskGate {
    INSTANCE;

    @Override
    public <T> T run(Io<T> io) throws IOException {
        return io.call();
    }
}
