package io.jetstart.bench;

import io.jetstart.runtime.SyncPolicy;
import java.util.Locale;

/** One row of {@code jetstart bench publish}. */
sealed interface PublishVariant permits PublishVariant.InProcess, PublishVariant.Server, PublishVariant.Floor {
    /** Stable key (for the result map and tests). */
    String key();

    /** What the table prints. */
    String label();

    /** Whether the row runs with sync always (it then publishes the smaller always count). */
    boolean always();

    /**
     * The embedded runtime in this JVM.
     *
     * @param publishers virtual threads, each publishing and waiting for its ack before the next; for
     *                   {@code async}, one thread that keeps up to the window in flight (as jnats
     *                   async publish is driven)
     */
    record InProcess(SyncPolicy sync, int publishers, boolean async) implements PublishVariant {
        @Override
        public String key() {
            return "jetstart-" + sync.name().toLowerCase(Locale.ROOT) + "-" + (async ? "async" : publishers + "p");
        }

        @Override
        public String label() {
            String who = async ? "1 async publisher (window)" : publishers + (publishers == 1 ? " publisher" : " publishers");
            return "jetstart sync " + sync.name().toLowerCase(Locale.ROOT) + ", " + who;
        }

        @Override
        public boolean always() {
            return sync == SyncPolicy.ALWAYS;
        }
    }

    /** nats-server on loopback fed by one jnats async publisher with the same window. */
    record Server(String version, boolean always) implements PublishVariant {
        @Override
        public String key() {
            return always ? "server-always" : "server-default";
        }

        @Override
        public String label() {
            return "nats-server " + version + (always ? " sync_interval: always" : " (default sync_interval)") + ", jnats async (window)";
        }
    }

    /** The raw append floor of an in-process row: its bytes, written in its batches (and fsynced per batch with always). */
    record Floor(InProcess of) implements PublishVariant {
        @Override
        public String key() {
            return "floor-" + of.key();
        }

        @Override
        public String label() {
            return "raw append" + (of.always() ? " + fsync" : "") + " floor, batches of: " + of.label().substring("jetstart ".length());
        }

        @Override
        public boolean always() {
            return of.always();
        }
    }
}
