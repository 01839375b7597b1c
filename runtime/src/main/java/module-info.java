/**
 * jetstart-runtime: the embedded read/write API ({@code io.jetstart.runtime}): open a store,
 * serve each stream as soon as its recovery finishes, publish, read, delete and purge; and
 * key/value buckets over those streams ({@code io.jetstart.runtime.kv}).
 */
module io.jetstart.runtime {
    requires transitive io.jetstart.recovery;
    requires org.jctools.core.jdk11;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports io.jetstart.runtime;
    exports io.jetstart.runtime.kv;
}
