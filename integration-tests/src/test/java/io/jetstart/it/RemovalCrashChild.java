package io.jetstart.it;

import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The process {@link RemovalCrashIT} kills: opens a store holding stream {@code RC} (written by
 * {@link #fill}) with the embedded runtime and, until killed, draws what users do to a stream:
 * publish a batch, delete or securely erase a message, purge a subject, purge up to a sequence or
 * keep the newest N. It keeps the live sequences itself, so each removal names messages that are
 * there.
 *
 * <p>Its stdout, one line each, every line flushed before the next: {@code ready}; then for each
 * operation a line before it and one after it returned (its ack):
 * <ul>
 *   <li>{@code publishing <count> at <epoch ms>} / {@code published <first> <last>};</li>
 *   <li>{@code deleting <seq>} / {@code deleted <seq>}, {@code erasing <seq>} / {@code erased <seq>};</li>
 *   <li>{@code purging subject <k>} / {@code purged subject <k>} (subject {@code rc.<k>});</li>
 *   <li>{@code purging upto <seq>} / {@code purged upto <seq>} (every message below it goes);</li>
 *   <li>{@code purging keep <n>} / {@code purged keep <n>} (the newest n live messages stay).</li>
 * </ul>
 *
 * <p>Arguments: {@code <store dir> <seed> [<sync interval ms> [<variant>]]}: a short sync interval
 * makes the writer write {@code index.db} and compact blocks less than half live while it runs, so
 * that kills land in those too; the variant ({@link CrashVariant}, default plain) sets the block
 * size, key and config. Where the variant forbids secure erase (encrypted blocks,
 * which the runtime refuses to erase) the child deletes instead; with max_age it picks only
 * messages far from their expiry and draws no keep-N purge; with limits every acknowledgement line
 * ends with {@code first <seq>}, the stream's first sequence after it (the limits removed what
 * is below).
 */
public final class RemovalCrashChild {
    static final String STREAM = "RC";
    static final int SUBJECTS = 8;
    static final int MESSAGES = 20_000;
    /** 16 KiB blocks of ~90-byte records: ~180 messages a block, >100 blocks. */
    static final int BLOCK_SIZE = 16 * 1024;
    /** With max_age, the child removes only messages at least this far from their expiry. */
    static final long AGE_MARGIN_MS = 500;

    private RemovalCrashChild() {
    }

    /** The payload of stream sequence {@code seq}: it names its sequence, so a message checks itself. */
    static byte[] payload(long seq) {
        return ("removal crash " + seq + " " + "y".repeat((int) (seq % 37))).getBytes(StandardCharsets.UTF_8);
    }

    /** The subject of stream sequence {@code seq}. */
    static String subject(long seq) {
        return "rc." + (seq % SUBJECTS);
    }

    static RuntimeOptions options() {
        return RuntimeOptions.defaults().withBlockSize(BLOCK_SIZE);
    }

    /** Writes stream {@code RC} with {@link #MESSAGES} messages into {@code storeDir} (an empty directory). */
    static void fill(Path storeDir) throws Exception {
        fill(storeDir, "");
    }

    /** {@link #fill(Path)} with {@code moreConfig} in the stream's config (e.g. S2-compressed blocks). */
    static void fill(Path storeDir, String moreConfig) throws Exception {
        CrashReaders.fill(storeDir, options(), STREAM, "rc.*", moreConfig, MESSAGES, RemovalCrashChild::subject,
                RemovalCrashChild::payload);
    }

    /** {@link #fill(Path)} for variant {@code v}: its block size, key and config. */
    static void fill(Path storeDir, CrashVariant v) throws Exception {
        CrashReaders.fill(storeDir, v.options(), STREAM, "rc.*", v.moreConfig(), MESSAGES, RemovalCrashChild::subject,
                RemovalCrashChild::payload);
    }

    public static void main(String[] args) throws Exception {
        Path storeDir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        CrashVariant v = args.length > 3 ? CrashVariant.named(args[3]) : CrashVariant.PLAIN;
        RuntimeOptions options = args.length > 2 ? v.options().withSyncInterval(Duration.ofMillis(Long.parseLong(args[2]))) : v.options();
        PrintStream out = CrashReaders.childOut();
        try (JetStartStore store = JetStart.open(storeDir, options)) {
            JetStartStream s = store.stream(JetStartStore.DEFAULT_ACCOUNT, STREAM).await(Duration.ofSeconds(60));
            TreeSet<Long> live = new TreeSet<>();
            // With max_age the filled messages are long expired: only the child's own batches are picked.
            for (long seq = s.info().firstSeq(); seq <= s.info().lastSeq() && v.maxAge().isZero(); seq++) {
                if (s.get(seq).isPresent()) {
                    live.add(seq);
                }
            }
            List<long[]> batches = new ArrayList<>();
            CrashReaders.line(out, "ready" + first(s, v, live));
            while (true) {
                if (!v.maxAge().isZero()) {
                    // Never pick a message the writer may expire before the removal reaches it.
                    long young = System.currentTimeMillis() - v.maxAge().toMillis() + AGE_MARGIN_MS;
                    while (!batches.isEmpty() && batches.getFirst()[2] < young) {
                        long[] b = batches.removeFirst();
                        live.subSet(b[0], b[1] + 1).clear();
                    }
                }
                int op = random.nextInt(100);
                if (op < 40 || live.size() < 500) {
                    int count = 1 + random.nextInt(400);
                    long at = System.currentTimeMillis();
                    CrashReaders.line(out, "publishing " + count + " at " + at);
                    long next = s.info().lastSeq() + 1;
                    List<CompletableFuture<PublishAck>> acks = new ArrayList<>(count);
                    for (long seq = next; seq < next + count; seq++) {
                        acks.add(s.publishAsync(subject(seq), null, payload(seq)));
                    }
                    long first = acks.getFirst().join().seq();
                    long last = acks.getLast().join().seq();
                    for (long seq = first; seq <= last; seq++) {
                        live.add(seq);
                    }
                    batches.add(new long[] {first, last, at});
                    CrashReaders.line(out, "published " + first + " " + last + first(s, v, live));
                } else if (op < 65) {
                    long seq = pick(live, random);
                    boolean erase = op >= 60 && v.erases();
                    CrashReaders.line(out, (erase ? "erasing " : "deleting ") + seq);
                    if (erase) {
                        s.erase(seq);
                    } else {
                        s.delete(seq);
                    }
                    live.remove(seq);
                    CrashReaders.line(out, (erase ? "erased " : "deleted ") + seq + first(s, v, live));
                } else if (op < 75) {
                    int k = random.nextInt(SUBJECTS);
                    CrashReaders.line(out, "purging subject " + k);
                    s.purge(new PurgeRequest("rc." + k, 0, 0));
                    live.removeIf(seq -> subject(seq).equals("rc." + k));
                    CrashReaders.line(out, "purged subject " + k + first(s, v, live));
                } else if (op < 88 || !v.maxAge().isZero()) {
                    // (With max_age the child cannot know how many are left to keep: no keep-N purges.)
                    long cut = pick(live, random);
                    CrashReaders.line(out, "purging upto " + cut);
                    s.purge(new PurgeRequest(null, 0, cut));
                    live.headSet(cut).clear();
                    CrashReaders.line(out, "purged upto " + cut + first(s, v, live));
                } else {
                    int keep = live.size() / 2 + random.nextInt(live.size() / 2 + 1);
                    CrashReaders.line(out, "purging keep " + keep);
                    s.purge(new PurgeRequest(null, keep, 0));
                    while (live.size() > keep) {
                        live.pollFirst();
                    }
                    CrashReaders.line(out, "purged keep " + keep + first(s, v, live));
                }
            }
        }
    }

    /**
     * With limits: {@code " first <seq>"}, the stream's first sequence once the operation returned
     * (the limits removed every message below it), dropped from {@code live} too; else nothing.
     */
    private static String first(JetStartStream s, CrashVariant v, TreeSet<Long> live) {
        if (!v.limits()) {
            return "";
        }
        long first = s.info().firstSeq();
        live.headSet(first).clear();
        return " first " + first;
    }

    /** A live sequence, more often an old one (where removals pin and empty blocks). */
    private static long pick(TreeSet<Long> live, Random random) {
        int i = random.nextInt(4) == 0 ? random.nextInt(live.size()) : random.nextInt(Math.max(1, live.size() / 8));
        return live.stream().skip(i).findFirst().orElseThrow();
    }
}
