package io.jetstart.runtime;

/** A stream that recovery could not bring back (its report says why) or that the store closed before it was. */
public final class StreamUnavailableException extends RuntimeException {
    StreamUnavailableException(String message) {
        super(message);
    }
}
