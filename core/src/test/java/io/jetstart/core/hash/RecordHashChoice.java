package io.jetstart.core.hash;

/** Prints {@link RecordHashes#implementation()}: run in a child JVM by {@link RecordHashTest}. */
final class RecordHashChoice {
    private RecordHashChoice() {
    }

    public static void main(String[] args) {
        System.out.println(RecordHashes.implementation());
    }
}
