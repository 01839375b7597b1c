package io.jetstart.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.GoTime;
import io.jetstart.recovery.GoFormat;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.StreamUnavailableException;
import io.jetstart.runtime.kv.KeyValue;
import io.jetstart.runtime.kv.KeyValueConfig;
import io.jetstart.runtime.kv.KeyValueEntry;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart kv}: a key/value bucket of the store through the embedded runtime's KV view
 * (taking the store's lock), in the manner of {@code nats kv}: add, info, put, create, update,
 * get, del, purge, keys, history, rm.
 */
@Command(name = "kv", mixinStandardHelpOptions = true,
        description = "Use a key/value bucket of STORE_DIR through the embedded runtime (holds the store's lock), as 'nats kv' does.")
final class KvCommand implements Callable<Integer> {
    /** nats's {@code time.RFC1123}, as {@code nats kv get} prints the created time. */
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'UTC'", java.util.Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE_DIR", description = "nats-server store_dir")
    Path storeDir;

    @Parameters(index = "1", paramLabel = "BUCKET", description = "Bucket name (stream KV_<BUCKET>)")
    String bucket;

    @Parameters(index = "2", paramLabel = "OPERATION",
            description = "add | info | put KEY [VALUE] | create KEY [VALUE] [--ttl DUR] | update KEY VALUE REVISION | get KEY | del KEY"
                    + " | purge KEY [--ttl DUR]"
                    + " | keys [FILTER] | history KEY | rm (a missing VALUE is read from stdin)")
    String operation;

    @Parameters(index = "3..*", paramLabel = "ARG", arity = "0..*", description = "The operation's arguments")
    List<String> args = new ArrayList<>();

    @Option(names = "--account", defaultValue = "$G", paramLabel = "NAME", description = "Account (default: ${DEFAULT-VALUE})")
    String account;

    @Option(names = "--history", defaultValue = "1", paramLabel = "N", description = "add: values kept per key, 1..64 (default: ${DEFAULT-VALUE})")
    int history;

    @Option(names = "--ttl", paramLabel = "DUR", converter = GoDurationConverter.class,
            description = "add: how long values live (Go duration, e.g. 1h; default: for ever); create, purge: how long this value or"
                    + " purge marker lives (whole seconds; a bucket with a limit marker)")
    Duration ttl;

    @Option(names = "--limit-marker", paramLabel = "DUR", converter = GoDurationConverter.class,
            description = "add: a key whose value aged out leaves a marker living DUR (at least 1s; jnats's limitMarker)")
    Duration limitMarker;

    @Option(names = "--max-value-size", defaultValue = "-1", paramLabel = "BYTES", description = "add: largest value (default: no limit)")
    long maxValueSize;

    @Option(names = "--max-bucket-size", defaultValue = "-1", paramLabel = "BYTES", description = "add: largest bucket (default: no limit)")
    long maxBucketSize;

    @Option(names = "--description", paramLabel = "TEXT", description = "add: the bucket's description")
    String description;

    @Option(names = "--revision", paramLabel = "N", description = "get: the value at this revision instead of the latest")
    Long revision;

    @Option(names = "--raw", description = "get: print only the value's bytes")
    boolean raw;

    @Option(names = "--json", description = "add, info, get, keys, history: JSON (values in base64)")
    boolean json;

    @picocli.CommandLine.Mixin
    IndexVersionOption indexVersion = new IndexVersionOption();

    @picocli.CommandLine.Mixin
    KeyOptions keys = new KeyOptions();

    @picocli.CommandLine.Mixin
    CipherOption cipher = new CipherOption();

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        Integer bad = checkArguments();
        if (bad != null) {
            return bad;
        }
        Integer badAccount = RuntimeOpen.refuseIfBadAccount(account, err);
        if (badAccount != null) {
            return badAccount;
        }
        Integer missing = RuntimeOpen.refuseIfMissingToWrite(storeDir, err);
        if (missing != null) {
            return missing;
        }
        if ((operation.equals("put") || operation.equals("create")) && args.size() == 1) {
            // The value on stdin is read before the store is opened: waiting for one typed on a
            // terminal held the store's lock (every other writer refused) until the end of input.
            try {
                value();
            } catch (IllegalArgumentException e) {
                return usage(e.getMessage());
            }
        }
        io.jetstart.core.crypto.StoreCipher bucketCipher = cipher.cipher(keys, err);
        if (bucketCipher == null) {
            return Main.USAGE;
        }
        RuntimeOptions options = indexVersion.apply(RuntimeOptions.defaults(), err);
        if (options == null) {
            return Main.USAGE;
        }
        JetStartStore store;
        switch (RuntimeOpen.open(storeDir, keys, bucketCipher, options, err)) {
            case RuntimeOpen.Refused r -> {
                return r.exitStatus();
            }
            case RuntimeOpen.Opened o -> store = o.store();
        }
        try (store) {
            try {
                return run(store);
            } catch (JetStreamApiException e) {
                if (e.errCode() != NotFoundHints.STREAM_NOT_FOUND || operation.equals("add")) {
                    throw e;
                }
                // The stream looked for is KV_<bucket>: "stream not found" under the bucket's name sent users looking for a stream.
                err.println("jetstart: " + account + " > " + bucket + ": bucket not found (no stream " + KeyValueConfig.of(bucket).streamName()
                        + ", err_code " + e.errCode() + ")" + NotFoundHints.buckets(store, account) + "; kv STORE_DIR " + bucket
                        + " add creates it");
                return Main.FAILED;
            }
        } catch (JetStreamApiException | StreamUnavailableException | IllegalStateException e) {
            err.println("jetstart: " + account + " > " + bucket + ": " + RuntimeOpen.inFlags(e.getMessage()));
            return Main.FAILED;
        } finally {
            out.flush();
        }
    }

    /** Wrong names and argument counts are usage errors (64), found before the store is opened. */
    private Integer checkArguments() {
        int[] arity = switch (operation) {
            case "add", "info", "rm" -> new int[] {0, 0};
            case "put", "create" -> new int[] {1, 2};
            case "update" -> new int[] {3, 3};
            case "get", "del", "purge", "history" -> new int[] {1, 1};
            case "keys" -> new int[] {0, 1};
            default -> null;
        };
        if (arity == null) {
            return usage("unknown operation '" + operation + "'; one of add, info, put, create, update, get, del, purge, keys, history, rm");
        }
        if (args.size() < arity[0] || args.size() > arity[1]) {
            return usage(operation + " takes " + (arity[0] == arity[1] ? arity[0] : arity[0] + " or " + arity[1])
                    + " argument(s), got " + args.size());
        }
        Integer misplaced = misplacedOption();
        if (misplaced != null) {
            return misplaced;
        }
        // Durations are refused as typed: the library's checks print a java.time.Duration
        // ("Limit Marker Ttl must be at least 1 second: PT0.5S" for --limit-marker 500ms).
        if (limitMarker != null && !limitMarker.isZero() && limitMarker.compareTo(Duration.ofSeconds(1)) < 0) {
            return usage("--limit-marker must be at least 1s (jnats's limitMarker), got " + TypedText.of(spec, "--limit-marker"));
        }
        if (ttl != null && operation.equals("add") && !ttl.isZero() && ttl.compareTo(Duration.ofMillis(100)) < 0) {
            // The bucket's max_age: the stream builder refused it after the open, exit 2, "max_age is PT0.01S".
            return usage("--ttl of add must be 0 (for ever) or at least 100ms (the stream's max_age), got " + TypedText.of(spec, "--ttl"));
        }
        if (revision != null && revision < 1) {
            // A revision is a stream sequence: below 1 there is none (it answered "key not found").
            return usage("--revision must be 1 or more, got " + TypedText.of(spec, "--revision"));
        }
        if (ttl != null && !operation.equals("add")) {
            try {
                KeyValue.checkTtl(ttl);
            } catch (IllegalArgumentException e) {
                return usage("--ttl of " + operation + " must be a whole number of seconds, at least 1s (a Nats-TTL header), got "
                        + TypedText.of(spec, "--ttl"));
            }
        }
        try {
            KeyValueConfig.of(bucket);
            if (operation.equals("add")) {
                config();
            }
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (operation.equals("update")) {
            try {
                Long.parseLong(args.get(2));
            } catch (NumberFormatException e) {
                return usage("update's REVISION must be a number, got '" + args.get(2) + "'");
            }
        }
        return null;
    }

    /** An option given to an operation that does not take it (as nats kv's sub-commands refuse them). */
    private Integer misplacedOption() {
        var line = spec.commandLine().getParseResult();
        if (line.hasMatchedOption("--ttl") && !List.of("add", "create", "purge").contains(operation)) {
            return usage("--ttl is for add, create and purge, not " + operation);
        }
        List<String> addOnly = List.of("--history", "--limit-marker", "--max-value-size", "--max-bucket-size", "--description");
        for (String o : addOnly) {
            if (line.hasMatchedOption(o) && !operation.equals("add")) {
                return usage(o + " is for add, not " + operation);
            }
        }
        for (String o : List.of("--revision", "--raw")) {
            if (line.hasMatchedOption(o) && !operation.equals("get")) {
                return usage(o + " is for get, not " + operation);
            }
        }
        if (json && !List.of("add", "info", "get", "keys", "history").contains(operation)) {
            return usage("--json is for add, info, get, keys and history, not " + operation);
        }
        if (json && raw) {
            return usage("--json and --raw exclude each other");
        }
        return null;
    }

    private int usage(String message) {
        err.println("jetstart: " + message);
        return Main.USAGE;
    }

    private KeyValueConfig config() {
        return KeyValueConfig.of(bucket).withHistory(history).withTtl(ttl).withMaxValueSize(maxValueSize)
                .withMaxBucketSize(maxBucketSize).withDescription(description).withLimitMarker(limitMarker);
    }

    private int run(JetStartStore store) throws Exception {
        if (operation.equals("add")) {
            KeyValue kv = store.createKeyValue(account, config());
            info(kv);
            return Main.OK;
        }
        if (operation.equals("rm")) {
            store.deleteKeyValue(account, bucket);
            return Main.OK;
        }
        KeyValue kv = store.keyValue(account, bucket);
        try {
            return operate(kv);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
    }

    private int operate(KeyValue kv) throws Exception {
        String key = args.isEmpty() ? null : args.get(0);
        switch (operation) {
            case "info" -> info(kv);
            case "put" -> printValue(value(), kv.put(key, value()));
            case "create" -> printValue(value(), ttl == null ? kv.create(key, value()) : kv.create(key, value(), ttl));
            case "update" -> printValue(value(), kv.update(key, value(), Long.parseLong(args.get(2))));
            case "del" -> kv.delete(key);
            case "purge" -> {
                if (ttl == null) {
                    kv.purge(key);
                } else {
                    kv.purge(key, ttl);
                }
            }
            case "get" -> {
                Optional<KeyValueEntry> e = revision == null ? kv.get(key) : kv.get(key, revision);
                if (e.isEmpty()) {
                    err.println("jetstart: " + account + " > " + bucket + ": key not found");
                    return Main.FAILED;
                }
                get(e.get());
            }
            case "keys" -> {
                List<String> keys = args.isEmpty() ? kv.keys() : kv.keys(args.get(0));
                if (json) {
                    ArrayNode a = ReportJson.MAPPER.createArrayNode();
                    keys.forEach(a::add);
                    out.println(ReportJson.MAPPER.writeValueAsString(a));
                } else if (keys.isEmpty()) {
                    // nats kv ls's words; on stderr, so that `keys | xargs ...` gets no key from it.
                    err.println(args.isEmpty() ? "No keys found in bucket" : "No keys found in bucket matching " + args.get(0));
                } else {
                    keys.forEach(out::println);
                }
            }
            case "history" -> {
                List<KeyValueEntry> entries = kv.history(key);
                if (entries.isEmpty()) {
                    // nats kv history's answer (nats.go's History: ErrKeyNotFound): a header over no
                    // rows, exit 0, read as a key whose history was lost.
                    err.println("jetstart: " + account + " > " + bucket + ": key not found");
                    return Main.FAILED;
                }
                history(entries);
            }
            default -> throw new IllegalStateException("operation " + operation);
        }
        return Main.OK;
    }

    private byte[] valueBytes;

    /**
     * The VALUE argument, or stdin when it was not given (read once, and no more than the largest
     * message: `yes | jetstart kv ... put KEY` read stdin until the heap was exhausted).
     */
    private byte[] value() throws java.io.IOException {
        if (valueBytes == null) {
            if (args.size() >= 2) {
                valueBytes = args.get(1).getBytes(StandardCharsets.UTF_8);
            } else {
                int max = RuntimeOptions.defaults().maxPayload();
                valueBytes = System.in.readNBytes(max + 1);
                if (valueBytes.length > max) {
                    throw new IllegalArgumentException("maximum payload exceeded (the value on stdin is longer than " + max + " bytes)");
                }
            }
        }
        return valueBytes;
    }

    /** As nats kv put/create/update: the value written (the revision goes to stderr). */
    private void printValue(byte[] value, long rev) {
        printText(text(value).orElse("<" + value.length + " bytes of binary data>"));
        err.println("revision " + rev);
    }

    /** A value as text, ended by one line break (a value that ends in one, as `echo x |` gives, gets no second). */
    private void printText(String s) {
        out.print(s.endsWith("\n") ? s : s + "\n");
    }

    private void get(KeyValueEntry e) {
        if (json) {
            out.println(ReportJson.MAPPER.createObjectNode().setAll(entry(e)).toString());
        } else if (raw) {
            out.flush();
            System.out.writeBytes(e.value());
            System.out.flush();
        } else {
            out.printf("%s > %s revision: %d created @ %s%n%n", e.bucket(), e.key(), e.revision(), RFC1123.format(e.created()));
            printText(text(e.value()).orElse("<" + e.value().length + " bytes of binary data>"));
        }
    }

    private void history(List<KeyValueEntry> entries) throws Exception {
        if (json) {
            ArrayNode a = ReportJson.MAPPER.createArrayNode();
            entries.forEach(e -> a.add(entry(e)));
            out.println(ReportJson.MAPPER.writeValueAsString(a));
            return;
        }
        out.printf("%-20s %9s %-6s %-31s %7s  %s%n", "KEY", "REVISION", "OP", "CREATED", "LENGTH", "VALUE");
        for (KeyValueEntry e : entries) {
            String v = text(e.value()).map(s -> s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t"))
                    .map(s -> s.length() > 40 ? s.substring(0, 37) + "..." : s).orElse("<binary>");
            out.printf("%-20s %9d %-6s %-31s %7d  %s%n", e.key(), e.revision(), e.operation(), RFC1123.format(e.created()),
                    e.value().length, v);
        }
    }

    private static ObjectNode entry(KeyValueEntry e) {
        ObjectNode n = ReportJson.MAPPER.createObjectNode();
        n.put("bucket", e.bucket());
        n.put("key", e.key());
        n.put("revision", e.revision());
        n.put("created", GoTime.format(e.created().getEpochSecond() * 1_000_000_000L + e.created().getNano()));
        n.put("delta", e.delta());
        n.put("operation", e.operation().name());
        n.put("value", Base64.getEncoder().encodeToString(e.value()));
        return n;
    }

    private void info(KeyValue kv) throws Exception {
        KeyValueConfig c = kv.config();
        var view = kv.stream().info();
        if (json) {
            ObjectNode n = ReportJson.MAPPER.createObjectNode();
            n.put("bucket", c.bucket());
            n.put("stream", kv.stream().name());
            n.put("description", c.description());
            n.put("history", c.history());
            n.put("ttl", c.ttl().toNanos());
            n.put("max_value_size", c.maxValueSize());
            n.put("max_bucket_size", c.maxBucketSize());
            n.put("limit_marker", c.limitMarker().toNanos());
            n.put("values", view.messages());
            n.put("bytes", view.bytes());
            out.println(ReportJson.MAPPER.writeValueAsString(n));
            return;
        }
        out.printf("Bucket %s (stream %s, account %s)%n", c.bucket(), kv.stream().name(), kv.account());
        if (!c.description().isEmpty()) {
            out.printf("  Description: %s%n", c.description());
        }
        out.printf("  History: %d%n", c.history());
        out.printf("  TTL: %s%n", c.ttl().isZero() ? "forever" : GoFormat.duration(c.ttl().toNanos()));
        out.printf("  Max value size: %s%n", c.maxValueSize() < 0 ? "unlimited" : GoFormat.comma(c.maxValueSize()));
        out.printf("  Max bucket size: %s%n", c.maxBucketSize() < 0 ? "unlimited" : GoFormat.comma(c.maxBucketSize()));
        if (!c.limitMarker().isZero()) {
            // Only a bucket with one says so: the other lines are those of every bucket.
            out.printf("  Limit marker TTL: %s%n", GoFormat.duration(c.limitMarker().toNanos()));
        }
        out.printf("  Values stored: %s (%s bytes)%n", GoFormat.comma(view.messages()), GoFormat.comma(view.bytes()));
    }

    /** The bytes as text when they are valid UTF-8 without control characters other than tab and line ends. */
    private static Optional<String> text(byte[] b) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
            return s.chars().anyMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? Optional.empty() : Optional.of(s);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
