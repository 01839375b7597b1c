/**
 * jetstart-core: the file store format, HighwayHash-64, one stream opened on the calling thread,
 * and the verified message reader. Every package is API but {@code io.jetstart.core.hash.vector},
 * the 256-bit checksum: {@code RecordHashes} loads it reflectively, only when the JVM was started
 * with {@code --add-modules jdk.incubator.vector}, so a JVM without the incubating module never
 * links it and uses the scalar checksum. The module is not required here, not even
 * {@code static}: javac resolves a static requirement for every module compiled against this one
 * and warns each application module "using incubating module(s): jdk.incubator.vector" (an error
 * under {@code -Werror}). {@code RecordHashes} adds the read edge at run time instead, once the
 * module is in the boot layer. Nor is
 * {@code io.jetstart.core.io.mapped} (block files copied through a memory mapping, Java 22+), which
 * {@code BlockReads} loads the same way.
 */
module io.jetstart.core {
    // StreamConfig.json() and ConsumerConfig.json() hand out Jackson trees.
    requires transitive com.fasterxml.jackson.databind;
    // RecordHashes reads the JIT's flags (no vector hash without C2).
    requires jdk.management;

    exports io.jetstart.core.backup;
    exports io.jetstart.core.compress;
    exports io.jetstart.core.crypto;
    exports io.jetstart.core.format;
    exports io.jetstart.core.hash;
    exports io.jetstart.core.io;
    exports io.jetstart.core.layout;
    exports io.jetstart.core.lines;
    exports io.jetstart.core.meta;
    exports io.jetstart.core.options;
    exports io.jetstart.core.store;
    exports io.jetstart.core.write;
}
