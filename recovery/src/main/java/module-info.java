/**
 * jetstart-recovery: the parallel startup of a whole store. Exports its API package only; the
 * structured runner ({@code io.jetstart.recovery.structured}, compiled for JDK 25 with preview)
 * stays inside: {@code TaskRunners} loads it reflectively when the JVM runs with
 * {@code --enable-preview}, and falls back to plain virtual threads otherwise.
 */
module io.jetstart.recovery {
    requires transitive io.jetstart.core;
    // LoggingListener(Logger) takes an SLF4J logger.
    requires transitive org.slf4j;

    exports io.jetstart.recovery;
    // jetstart repair: the one place that removes bytes from a store, always through its quarantine.
    exports io.jetstart.recovery.repair;
}
