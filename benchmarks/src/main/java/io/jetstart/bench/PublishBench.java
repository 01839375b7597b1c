package io.jetstart.bench;

import io.jetstart.runtime.SyncPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code jetstart bench publish}: the embedded runtime's publish path side by side with nats-server
 * and the raw append floor, in one run. Every run times each row once, the order of the rows
 * rotated by one from run to run; the table
 * reports medians. Each in-process row's floor runs right after it (it replays that row's
 * batches, on the same disk at the same moment). An untimed warm-up first runs each in-process
 * row small (the JIT) and one small server publish.
 */
final class PublishBench {
    /**
     * @param messages       messages per row with sync interval / the server's default
     * @param alwaysMessages messages per row with sync always (one fsync per batch: one publisher
     *                       pays one per message)
     * @param window         publishes in flight for the async rows (jetstart and jnats alike)
     * @param server         the nats-server build to compare with, if any
     * @param openStreams    big streams of the open target's store (0: no open target)
     * @param cacheDir       where the open target's big streams are generated once and kept
     * @param parts          which parts run: {@link #PUBLISH}, {@link #OPEN}
     */
    record Settings(long messages, long alwaysMessages, int size, List<Integer> publishers, int runs, int window,
                    Optional<ServerBuild> server, Path workDir, int openStreams, long openMessages, String command,
                    long timeoutNanos, List<String> notes, Path cacheDir, java.util.Set<String> parts) {
        boolean publish() {
            return parts.contains(PUBLISH);
        }

        boolean open() {
            return parts.contains(OPEN) && openStreams > 0;
        }
    }

    static final String PUBLISH = "publish";
    static final String OPEN = "open";

    /**
     * @param openRows  the open target's rows, in table order (empty when it did not run)
     * @param opens     the open target's samples, by {@link OpenBench.Row#key()}
     * @param openStore what the open target's big streams were (null when it did not run)
     */
    record Result(Settings settings, Machine machine, String load, List<PublishVariant> variants,
                  Map<String, List<PublishSample>> samples, List<OpenBench.Row> openRows,
                  Map<String, List<OpenBench.OpenSample>> opens, WorkloadCache.Prepared openStore, String openAotFailure) {
        List<PublishSample> samples(PublishVariant v) {
            return samples.getOrDefault(v.key(), List.of());
        }

        List<OpenBench.OpenSample> opens(OpenBench.Row row) {
            return opens.getOrDefault(row.key(), List.of());
        }
    }

    private final Settings s;
    private final PrintStream log;

    PublishBench(Settings settings, PrintStream log) {
        this.s = settings;
        this.log = log;
    }

    static List<PublishVariant.InProcess> inProcess(List<Integer> publishers) {
        List<PublishVariant.InProcess> out = new ArrayList<>();
        for (SyncPolicy sync : List.of(SyncPolicy.INTERVAL, SyncPolicy.ALWAYS)) {
            for (int p : publishers) {
                out.add(new PublishVariant.InProcess(sync, p, false));
            }
            out.add(new PublishVariant.InProcess(sync, 1, true));
        }
        return out;
    }

    Result run() throws IOException, InterruptedException {
        Path work = s.workDir();
        Files.createDirectories(work);
        List<PublishVariant.InProcess> jetstart = inProcess(s.publishers());
        List<PublishVariant> timed = new ArrayList<>(jetstart);
        s.server().ifPresent(b -> {
            timed.add(new PublishVariant.Server(b.version().toString(), false));
            timed.add(new PublishVariant.Server(b.version().toString(), true));
        });
        List<PublishVariant> all = new ArrayList<>(timed);
        jetstart.forEach(v -> all.add(new PublishVariant.Floor(v)));
        Map<String, List<PublishSample>> samples = new LinkedHashMap<>();
        all.forEach(v -> samples.put(v.key(), new ArrayList<>()));
        List<OpenBench.Row> openRows = s.open() ? OpenBench.rows() : List.of();
        Map<String, List<OpenBench.OpenSample>> opens = new LinkedHashMap<>();
        openRows.forEach(row -> opens.put(row.key(), new ArrayList<>()));
        LoadAverage load = new LoadAverage();

        OpenBench open = null;
        if (s.open()) {
            WorkloadCache.Prepared big = new WorkloadCache(s.cacheDir()).prepare(
                    OpenBench.workload(s.openStreams(), s.openMessages(), s.size()), log);
            open = new OpenBench(big, work.resolve("open"), s.size());
            log.printf(Locale.ROOT, "bench publish: preparing the open target (%s + %s)%n", big.workload().description(), OpenBench.SMALL);
            open.prepare(log, s.timeoutNanos());
        }

        if (s.publish()) {
            log.println("bench publish: warm-up (untimed)");
            for (PublishVariant.InProcess v : jetstart) {
                long n = v.always() ? Math.min(s.alwaysMessages(), 500) : Math.min(s.messages(), 20_000);
                runOne(v, n, work.resolve("warmup"));
            }
            if (s.server().isPresent()) {
                runOne(new PublishVariant.Server(s.server().get().version().toString(), false), Math.min(s.messages(), 20_000),
                        work.resolve("warmup"));
            }
        }

        for (int r = 0; r < s.runs(); r++) {
            List<PublishVariant> order = new ArrayList<>(s.publish() ? timed : List.of());
            java.util.Collections.rotate(order, -r % Math.max(1, order.size()));
            for (PublishVariant v : order) {
                load.sample();
                PublishSample sample = runOne(v, count(v), work.resolve("run"));
                samples.get(v.key()).add(sample);
                if (v instanceof PublishVariant.InProcess p) {
                    // Right after its row, so both see the same disk and the same neighbours.
                    PublishVariant.Floor f = new PublishVariant.Floor(p);
                    samples.get(f.key()).add(floor(f, sample, r));
                }
            }
            if (open != null) {
                List<OpenBench.Row> rows = new ArrayList<>(openRows);
                java.util.Collections.rotate(rows, -r % rows.size());
                for (OpenBench.Row row : rows) {
                    load.sample();
                    OpenBench.OpenSample o;
                    try {
                        o = open.run(row, s.timeoutNanos());
                    } catch (RuntimeException e) {
                        o = OpenBench.OpenSample.failed(e.toString());
                    }
                    opens.get(row.key()).add(o);
                    logOpen(r, row, o);
                }
            }
        }
        if (open != null) {
            StoreFiles.deleteTree(work.resolve("open"), work);
        }
        return new Result(s, Machine.current(), load.describe(Runtime.getRuntime().availableProcessors()), s.publish() ? all : List.of(),
                samples, openRows, opens, open == null ? null : open.big(), open == null ? null : open.aotFailure());
    }

    private void logOpen(int run, OpenBench.Row row, OpenBench.OpenSample o) {
        log.printf(Locale.ROOT, "bench publish: run %d open (%s): %s served after %s, first ack after %s, recovery done after %s%s%n",
                run + 1, row.label(), OpenBench.SMALL, BenchTable.duration(o.smallServedNanos()), BenchTable.duration(o.smallAckNanos()),
                BenchTable.duration(o.recoveryNanos()),
                o.ok() ? "" : " (" + o.failure() + ")");
    }

    private PublishSample floor(PublishVariant.Floor f, PublishSample of, int run) throws IOException {
        if (!of.ok()) {
            return PublishSample.failed("its jetstart row failed");
        }
        Path file = s.workDir().resolve("floor.blk");
        Files.deleteIfExists(file);
        PublishSample sample;
        try {
            sample = AppendFloor.run(file, of.messages(), of.batchBytes(), f.always());
        } finally {
            Files.deleteIfExists(file);
        }
        log.printf(Locale.ROOT, "bench publish: run %d %-70s %,12.0f msgs/s%n", run + 1, f.label(), sample.msgsPerSecond());
        return sample;
    }

    long count(PublishVariant v) {
        return v.always() ? s.alwaysMessages() : s.messages();
    }

    private PublishSample runOne(PublishVariant v, long n, Path dir) throws IOException, InterruptedException {
        StoreFiles.deleteTree(dir, s.workDir());
        PublishSample sample;
        try {
            sample = switch (v) {
                case PublishVariant.InProcess p -> InProcessPublish.run(dir, p, n, s.size(), s.window());
                case PublishVariant.Server sv -> new ServerPublish(s.server().orElseThrow(), s.timeoutNanos())
                        .run(dir, sv.always(), n, s.size(), s.window());
                case PublishVariant.Floor f -> throw new IllegalArgumentException("a floor replays a run: " + f.key());
            };
        } catch (IOException | RuntimeException e) {
            sample = PublishSample.failed(e.toString());
        } finally {
            StoreFiles.deleteTree(dir, s.workDir());
        }
        log.printf(Locale.ROOT, "bench publish: %-70s %,10d msgs %,12.0f msgs/s%s%n", v.label(), n, sample.msgsPerSecond(),
                sample.ok() ? "" : " FAILED: " + sample.failure());
        return sample;
    }
}
