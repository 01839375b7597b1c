package io.jetstart.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * An exception as one line for a person: its message, with the file and what went wrong for the
 * JDK's file-system exceptions, whose own message is often the path alone. A user saw
 * {@code jetstart: /data/nats/jetstream} for a folder they could not list, and
 * {@code jetstart: cannot read the key file: Is a directory} without the file's name.
 */
final class ErrorText {
    private ErrorText() {
    }

    static String of(Throwable e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String reason = f.getReason() != null ? f.getReason() : switch (f) {
                case AccessDeniedException a -> "permission denied";
                case NoSuchFileException n -> "does not exist";
                case NotDirectoryException n -> "not a directory";
                case FileAlreadyExistsException x -> "already exists";
                case DirectoryNotEmptyException d -> "directory not empty";
                default -> f.getClass().getSimpleName();
            };
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason;
        }
        // A message-less exception said "jetstart: null"; its type says more.
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
