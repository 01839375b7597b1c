package io.jetstart.runtime;

import java.io.IOException;

/** Another runtime holds the store's lock. */
public final class StoreLockedException extends IOException {
    StoreLockedException(String message) {
        super(message);
    }
}
