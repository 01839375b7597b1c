package io.jetstart.runtime;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.SubjectRules;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Why a standalone nats-server would not restore a stream whose {@code meta.inf} it decodes:
 * the checks {@code addStreamWithAssignment} runs at start ({@code checkStreamCfg}, not pedantic,
 * then "replicas > 1 not supported in non-clustered mode"; the subject checks of
 * {@code jetstream.go: doStream} before it), in the server's words. The server then logs
 * {@code Error recreating stream "<name>": <reason>} and leaves the stream unloaded (spec §7.1).
 * Before those, what the decode does: a key the runtime does not know (2.11+ refuse the file), or
 * a known key in other letter case (every server applies it; the runtime's getters would not).
 *
 * <p>Design note: the runtime serves such a stream read-only rather than failing it: its
 * messages are readable, but a publish the runtime took would land in a stream nats-server then
 * refuses to load, so the writes would seem to vanish at the switch back (hand-edited files,
 * a tool's bug). Mirrors and sources are read-only for their own reason already, so their rules
 * are not repeated here. Checked on nats-server 2.10.27 and 2.15.1 (OddStreamConfigIT).
 *
 * <p>The subject rules are this class's own, not {@link ConsumerDefinitions}': this runs on every
 * recovered stream's hand-over, where loading that class (its JSON mapper) or spinning a lambda
 * costs a fresh JVM's first stream served (NoBootstrapsOnServePathTest).
 */
final class RestoreRefusals {
    /** {@code JSMaxNameLen}, {@code JSMaxDescriptionLen}, {@code JSMaxMetadataLen}, {@code StreamMaxReplicas}. */
    static final int MAX_NAME_BYTES = 255;
    static final int MAX_DESCRIPTION_BYTES = 4 * 1024;
    static final int MAX_METADATA_BYTES = 128 * 1024;
    static final int MAX_REPLICAS = 5;
    private static final long MIN_WINDOW_NANOS = 100_000_000L;
    /** Reasons with an error code of their own (10074, 10133) rather than the 10052 of the others. */
    static final String REPLICAS_NOT_SUPPORTED = "replicas > 1 not supported in non-clustered mode";
    static final String NEGATIVE_REPLICAS = "replicas count cannot be negative";
    private static final String[] JS = {"$JS", ">"};
    private static final String[] JSC = {"$JSC", ">"};
    private static final String[] NRG = {"$NRG", ">"};
    private static final String[] SYS = {"$SYS", ">"};

    private RestoreRefusals() {
    }

    /**
     * The server's reason for not restoring {@code c} from the directory {@code dirName}, or null
     * when it would restore it.
     */
    static String reason(StreamConfig c, String dirName) {
        String r = reason(c);
        if (r == null && !c.name().equals(dirName)) {
            // The server keys the store by the name inside the JSON: it would open (and create)
            // streams/<name>, not this directory, so writes here are never seen by it.
            r = "the name in meta.inf, '" + c.name() + "', is not its directory's, '" + dirName
                    + "': nats-server would serve the stream from the directory of that name";
        }
        return r;
    }

    /** As {@link #reason(StreamConfig, String)} without the directory: the config's own rules. */
    static String reason(StreamConfig c) {
        // In the server's order (decode, then checkStreamCfg), so that of two problems the one
        // its log names comes first.
        for (String key : c.unknownKeys()) {
            String known = StreamConfig.knownKeyIgnoringCase(key);
            if (known != null) {
                // Go's decoder matches keys in any letter case, strict or not: every server line
                // reads MAX_MSGS as max_msgs (OddStreamConfigIT); the runtime's getters do not.
                return "key \"" + key + "\" is read by nats-server as \"" + known + "\" (Go matches keys in any letter case); the runtime does not";
            }
            // 2.11+ decode meta.inf strictly ("Error unmarshalling stream metafile ...: json: unknown
            // field") and skip the stream; 2.10 ignores the key.
            return "json: unknown field \"" + key + "\" (nats-server 2.11+ refuses the file; the runtime does not know the key)";
        }
        // The same one level down: 2.11+ decode placement and consumer_limits strictly too
        // (OddStreamConfigIT: {"consumer_limits":{"zzz":1}} is loaded by 2.10.27, refused by 2.15.1).
        for (String path : c.unknownInnerKeys()) {
            String known = StreamConfig.knownInnerKeyIgnoringCase(path);
            if (known != null) {
                return "key \"" + path + "\" is read by nats-server as \"" + known + "\" (Go matches keys in any letter case); the runtime does not";
            }
            int dot = path.indexOf('.');
            return "json: unknown field \"" + path.substring(dot + 1) + "\" in \"" + path.substring(0, dot)
                    + "\" (nats-server 2.11+ refuses the file; the runtime does not know the key)";
        }
        String name = c.name();
        if (!validName(name)) {
            return "stream name is required and can not contain '.', '*', '>'";
        }
        if (utf8Length(name) > MAX_NAME_BYTES) {
            return "stream name is too long, maximum allowed is " + MAX_NAME_BYTES;
        }
        if (utf8Length(c.description()) > MAX_DESCRIPTION_BYTES) {
            return "stream description is too long, maximum allowed is " + MAX_DESCRIPTION_BYTES;
        }
        if (c.metadataBytes() > MAX_METADATA_BYTES) {
            return "stream metadata exceeds maximum size of " + MAX_METADATA_BYTES + " bytes";
        }
        long replicas = c.replicas();
        if (replicas > MAX_REPLICAS) {
            return "maximum replicas is " + MAX_REPLICAS;
        }
        if (replicas < 0) {
            return NEGATIVE_REPLICAS;
        }
        String limits = timeLimits(c);
        if (limits != null) {
            return limits;
        }
        if (c.flag("deny_purge") && c.flag("allow_rollup_hdrs")) {
            return "roll-ups require the purge permission";
        }
        if (c.flag("discard_new_per_subject")) {
            if (c.discard() != StreamConfig.Discard.NEW) {
                return "discard new per subject requires discard new policy to be set";
            }
            if (c.maxMsgsPerSubject() <= 0) {
                return "discard new per subject requires max msgs per subject > 0";
            }
        }
        String subjects = subjects(c);
        if (subjects != null) {
            return subjects;
        }
        if (replicas > 1) {
            return REPLICAS_NOT_SUPPORTED;
        }
        return null;
    }

    /** max_age and duplicate_window as checkStreamCfg corrects and then checks them. */
    private static String timeLimits(StreamConfig c) {
        long age = c.maxAgeNanos();
        if (age < 0) {
            // 2.15's words; 2.10 has no such check, but then refuses the window it derives from it.
            return "max age can not be negative";
        }
        if (age > 0 && age < MIN_WINDOW_NANOS) {
            return "max age needs to be >= 100ms";
        }
        long window = c.duplicateWindowNanos();
        if (window == 0 && !c.hasMirror() && !c.hasSources()) {
            window = StreamDefinitions.duplicateWindow(c);
        }
        if (window < 0) {
            return "duplicates window can not be negative";
        }
        if (age != 0 && window > age) {
            return "duplicates window can not be larger then max age";
        }
        if (window > 0 && window < MIN_WINDOW_NANOS) {
            return "duplicates window needs to be >= 100ms";
        }
        return null;
    }

    /**
     * The subjects as {@code doStream} and {@code checkStreamCfg} check them. A subject with
     * spaces around it, which the server trims (and warns about) before it restores, is refused
     * here too: the runtime would match publishes against the untrimmed text.
     */
    private static String subjects(StreamConfig c) {
        if (c.hasMirror() || c.hasSources()) {
            return null;
        }
        List<String> subjects = c.subjects();
        boolean noAck = c.flag("no_ack");
        Set<String> seen = new HashSet<>();
        for (String s : subjects) {
            if (!SubjectRules.validSubject(s)) {
                return s.strip().equals(s) || !SubjectRules.validSubject(s.strip()) ? "invalid subject"
                        : "subject '" + s + "' has spaces nats-server trims at start ('" + s.strip() + "'); the runtime does not";
            }
            if (!seen.add(s)) {
                return "duplicate subjects detected";
            }
            if (s.equals(">") && !noAck) {
                return "capturing all subjects requires no-ack to be true";
            }
            // 2.11.10+ refuse any subject that could match the API's (2.10 only one inside it):
            // the stricter rule, so that no server line refuses what the runtime wrote.
            String[] tokens = s.split("\\.", -1);
            if (!noAck && (SubjectRules.collide(tokens, JS) || SubjectRules.collide(tokens, JSC) || SubjectRules.collide(tokens, NRG)) && !SubjectRules.subsetMatch(s, "$JS.EVENT.>")) {
                return "subjects that overlap with jetstream api require no-ack to be true";
            }
            if (!noAck && SubjectRules.collide(tokens, SYS) && !SubjectRules.subsetMatch(s, "$SYS.ACCOUNT.>")) {
                return "subjects that overlap with system api require no-ack to be true";
            }
        }
        // Each pair once, each subject split once: the server's loop is quadratic too, but a
        // stream of many subjects should not split them again for every pair.
        String[][] tokens = new String[subjects.size()][];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = subjects.get(i).split("\\.", -1);
        }
        for (int i = 0; i < tokens.length; i++) {
            for (int j = i + 1; j < tokens.length; j++) {
                if (SubjectRules.collide(tokens[i], tokens[j])) {
                    return "subject \"" + subjects.get(i) + "\" overlaps with \"" + subjects.get(j) + "\"";
                }
            }
        }
        return null;
    }

    /** isValidName: not empty, none of {@code " \t\r\n\f.*>"} (2.15 also refuses path separators, which no directory name has). */
    static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
