/**
 * jetstart-runtime: the embedded read/write API. It has no public type yet, so it exports nothing;
 * its API package will be exported when the first one lands.
 */
module io.jetstart.runtime {
    requires transitive io.jetstart.recovery;
}
