package io.jetstart.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.recovery.Progress;
import io.jetstart.recovery.Readiness;

/**
 * The body of {@code /readyz}: {@code status} (STARTING, READY, DEGRADED), then the progress while
 * starting, the totals when ready, the failures when degraded. Field names are an interface: add
 * fields, never rename them (docs/cli.md).
 */
final class ReadinessJson {
    private ReadinessJson() {
    }

    static ObjectNode of(Readiness readiness) {
        ObjectNode root = ReportJson.MAPPER.createObjectNode();
        root.put("status", readiness.status().name());
        switch (readiness) {
            case Readiness.Starting s -> progress(root.putObject("progress"), s.progress());
            case Readiness.Ready r -> {
                root.put("streams", r.streams());
                root.put("consumers", r.consumers());
                root.put("messages", r.messages());
                root.put("bytes", r.bytes());
                root.put("duration_ms", r.wallNanos() / 1_000_000);
            }
            case Readiness.Degraded d -> {
                root.put("ready_streams", d.ready());
                var failures = root.putArray("failures");
                for (Readiness.Failure f : d.failures()) {
                    ObjectNode o = failures.addObject();
                    o.put("account", f.account());
                    o.put("stream", f.stream());
                    if (f.consumer() != null) {
                        o.put("consumer", f.consumer());
                    }
                    o.put("outcome", f.outcome());
                    o.put("reason", f.reason());
                }
            }
        }
        return root;
    }

    private static void progress(ObjectNode o, Progress p) {
        o.put("streams_total", p.streamsTotal());
        o.put("streams_done", p.streamsDone());
        o.put("streams_failed", p.streamsFailed());
        o.put("bytes_total", p.bytesTotal());
        o.put("bytes_done", p.bytesDone());
        o.put("bytes_per_second", Math.round(p.bytesPerSecond()));
        long eta = p.etaNanos();
        if (eta >= 0) {
            o.put("eta_ms", eta / 1_000_000);
        }
        o.put("elapsed_ms", p.elapsedNanos() / 1_000_000);
        o.put("restoring_messages", p.restoringMessages());
        o.put("restoring_consumers", p.restoringConsumers());
        if (p.slowest() != null) {
            ObjectNode s = o.putObject("slowest");
            s.put("account", p.slowest().account());
            s.put("stream", p.slowest().stream());
            s.put("running_ms", p.slowest().runningNanos() / 1_000_000);
            s.put("bytes_scanned", p.slowest().scannedBytes());
            s.put("bytes_total", p.slowest().blockBytes());
        }
    }
}
