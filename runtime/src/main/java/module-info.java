/**
 * jetstart-runtime: the embedded read/write API ({@code io.jetstart.runtime}): open a store,
 * serve each stream as soon as its recovery finishes, publish, read, delete and purge.
 */
module io.jetstart.runtime {
    requires transitive io.jetstart.recovery;
    requires org.jctools.core.jdk11;
    requires com.fasterxml.jackson.databind;

    exports io.jetstart.runtime;
}
