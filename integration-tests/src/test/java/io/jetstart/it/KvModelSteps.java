package io.jetstart.it;

import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The steps of {@link KvModelIT}, one line each, and each side's answer to one in words both use,
 * so the two answers are compared as strings:
 * {@code put KEY VALUE}, {@code create KEY VALUE [TTL]}, {@code update KEY VALUE right|right+N}
 * (at the key's last revision as the side has it, or N past it), {@code delete KEY},
 * {@code purge KEY [TTL]}, {@code get KEY [REV]}, {@code history KEY}, {@code keys FILTER}; VALUE is
 * base64 ({@code -} empty), TTL whole seconds. The model's own steps, not run on a bucket:
 * {@code restart}, {@code restart-down} (both sides down past the next expiry) and {@code wait}
 * (past the next expiry).
 */
final class KvModelSteps {
    static final List<String> KEYS = List.of("k0", "k1", "k2", "app.a", "app.b", "app.c.d", "x/y=z");
    static final List<String> FILTERS = List.of(">", "*", "app.>", "app.*", "k1", "app.*.d");

    private final Random r;
    private final KvModelConfig config;
    /**
     * Draws for 2.10.27: no per-key TTLs (2.10 stores a {@code Nats-TTL} header as any other), and
     * creates and updates within {@code max_value_size} ({@link #expectingValue}).
     */
    private final boolean v210;

    KvModelSteps(Random r, KvModelConfig config, ModelLine line) {
        this.r = r;
        this.config = config;
        this.v210 = line.v210();
    }

    /**
     * The next step, on a bucket whose last revision is {@code lastRevision}. Per-key TTLs are drawn
     * in a bucket without a limit marker too, less often: its refusal is compared.
     */
    String next(long lastRevision) {
        String key = KEYS.get(r.nextInt(KEYS.size()));
        int op = r.nextInt(100);
        boolean ttls = config.limitMarkerSeconds() > 0;
        if (op < 24) {
            return "put " + key + " " + value();
        } else if (op < 32) {
            return "create " + key + " " + expectingValue();
        } else if (op < (ttls ? 42 : 34)) {
            String value = expectingValue();
            return !v210 ? "create " + key + " " + value + " " + ttl() : "create " + key + " " + value;
        } else if (op < 47) {
            return "update " + key + " " + expectingValue() + " right";
        } else if (op < 51) {
            return "update " + key + " " + expectingValue() + " right+" + (1 + r.nextInt(3));
        } else if (op < 58) {
            return "delete " + key;
        } else if (op < 63) {
            return "purge " + key;
        } else if (op < (ttls ? 68 : 65)) {
            return !v210 ? "purge " + key + " " + ttl() : "purge " + key;
        } else if (op < 76) {
            return "get " + key;
        } else if (op < 81) {
            return "get " + key + " " + (1 + r.nextInt((int) Math.min(lastRevision + 2, 10_000)));
        } else if (op < 86) {
            return "history " + key;
        } else if (op < 95) {
            return "keys " + FILTERS.get(r.nextInt(FILTERS.size()));
        } else if (op < 98) {
            return "restart";
        } else if (op < 99) {
            return "restart-down";
        } else {
            // Rare: a bucket with a TTL waits whenever its next expiry comes near anyway.
            return "wait";
        }
    }

    /**
     * The value of a create or update, which carry {@code Nats-Expected-Last-Subject-Sequence}: on 2.10
     * short enough that the message stays within {@code max_value_size}. 2.10.27 checks the size after
     * the expectation and the runtime, as 2.15.1, before it, so a create of an existing key over the
     * limit is 10071 there and 10054 here (seed 1: KVM0's max_value_size 78, a 40-byte value); the
     * header is 51 bytes and the revision's digits, so 60 bytes are kept for it. A put over the limit
     * is drawn on 2.10 too.
     */
    private String expectingValue() {
        if (!v210 || config.maxValueSize() < 0) {
            return value();
        }
        return value(Math.max(0, Math.min(40, config.maxValueSize() - 60)));
    }

    private String value() {
        return value(40);
    }

    private String value(int most) {
        byte[] v = new byte[r.nextInt(most + 1)];
        r.nextBytes(v);
        return v.length == 0 ? "-" : Base64.getEncoder().encodeToString(v);
    }

    /** 1 to 3 s: with a limit marker of 2 s and history above 1 the server raises a 1 s TTL to 2 s. */
    private int ttl() {
        return 1 + r.nextInt(3);
    }

    /** The TTL a write step asks for (0: none), for {@link KvExpiries#wrote}; -1 for a step that writes nothing. */
    static int writes(String step) {
        String[] w = step.split(" ");
        return switch (w[0]) {
            case "put", "update", "delete" -> 0;
            case "create" -> w.length > 3 ? Integer.parseInt(w[3]) : 0;
            case "purge" -> w.length > 2 ? Integer.parseInt(w[2]) : 0;
            default -> -1;
        };
    }

    /** {@code bucket}'s answer to {@code step}: a revision, an entry, a list, or the error (code and text) or client refusal. */
    static String answer(KvModelBucket bucket, String step) throws Exception {
        String[] w = step.split(" ");
        String key = w[1];
        try {
            return switch (w[0]) {
                case "put" -> "rev " + bucket.put(key, bytes(w[2]));
                case "create" -> "rev " + (w.length > 3 ? bucket.create(key, bytes(w[2]), Integer.parseInt(w[3])) : bucket.create(key, bytes(w[2])));
                case "update" -> {
                    long rev = bucket.lastRevision(key) + (w[3].equals("right") ? 0 : Long.parseLong(w[3].substring("right+".length())));
                    yield "at " + rev + ": rev " + bucket.update(key, bytes(w[2]), rev);
                }
                case "delete" -> {
                    bucket.delete(key);
                    yield "deleted, last " + bucket.lastRevision(key);
                }
                case "purge" -> {
                    if (w.length > 2) {
                        bucket.purge(key, Integer.parseInt(w[2]));
                    } else {
                        bucket.purge(key);
                    }
                    yield "purged, last " + bucket.lastRevision(key);
                }
                case "get" -> (w.length > 2 ? bucket.get(key, Long.parseLong(w[2])) : bucket.get(key))
                        .map(KvModelBucket.Entry::compared).orElse("none");
                case "history" -> bucket.history(key).stream().map(KvModelBucket.Entry::compared).collect(Collectors.joining(", ", "[", "]"));
                case "keys" -> bucket.keys(key).toString();
                default -> throw new IllegalArgumentException("not a bucket step: " + step);
            };
        } catch (io.jetstart.runtime.JetStreamApiException e) {
            return "error " + e.errCode() + " " + e.description();
        } catch (io.nats.client.JetStreamApiException e) {
            return "error " + e.getApiErrorCode() + " " + e.getErrorDescription();
        } catch (IllegalArgumentException e) {
            // A client's own check (a key, a TTL): the texts are each client's.
            return "refused " + e.getClass().getSimpleName();
        }
    }

    private static byte[] bytes(String b64) {
        return b64.equals("-") ? new byte[0] : Base64.getDecoder().decode(b64);
    }
}
