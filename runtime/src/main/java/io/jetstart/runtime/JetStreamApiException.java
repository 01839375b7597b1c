package io.jetstart.runtime;

/**
 * A refusal with nats-server's JetStream API error: its HTTP-like {@code code}, its
 * {@code err_code} and its description text, so an application (or a test) can compare them with
 * what the server answers for the same request.
 */
public final class JetStreamApiException extends RuntimeException {
    private final int code;
    private final int errCode;
    private final String description;

    JetStreamApiException(int code, int errCode, String description) {
        super(description + " (err_code " + errCode + ")");
        this.code = code;
        this.errCode = errCode;
        this.description = description;
    }

    /**
     * Without a stack trace: a refusal made ahead of the failure it names (a writer's, for when it
     * runs out of memory and cannot make one), at every stream's start, where a stack walk per
     * stream would cost the open.
     */
    private JetStreamApiException(int code, int errCode, String description, boolean withoutStack) {
        super(description + " (err_code " + errCode + ")", null, false, !withoutStack);
        this.code = code;
        this.errCode = errCode;
        this.description = description;
    }

    /** HTTP-like status: 400, 404, 500, 503. */
    public int code() {
        return code;
    }

    /** nats-server's {@code err_code} (errors.json), e.g. 10071 for a wrong last sequence. */
    public int errCode() {
        return errCode;
    }

    public String description() {
        return description;
    }

    // The errors of nats-server's errors.json the runtime can return, with their codes and texts.
    static JetStreamApiException streamNotFound() {
        return new JetStreamApiException(404, 10059, "stream not found");
    }

    static JetStreamApiException streamNameExists() {
        return new JetStreamApiException(400, 10058, "stream name already in use with a different configuration");
    }

    static JetStreamApiException subjectsOverlap() {
        return new JetStreamApiException(400, 10065, "subjects overlap with an existing stream");
    }

    static JetStreamApiException invalidConfig(String err) {
        return new JetStreamApiException(500, 10052, err);
    }

    static JetStreamApiException pathSeparators() {
        return new JetStreamApiException(400, 10128, "Stream name can not contain path separators");
    }

    static JetStreamApiException notMatch() {
        return new JetStreamApiException(400, 10060, "expected stream does not match");
    }

    static JetStreamApiException wrongLastSequence(long actual) {
        return new JetStreamApiException(400, 10071, "wrong last sequence: " + actual);
    }

    /** JSStreamExpectedLastSeqPerSubjectInvalid: the subject header without the sequence header. */
    static JetStreamApiException expectedLastSeqPerSubjectInvalid() {
        return new JetStreamApiException(400, 10193, "missing sequence for expected last sequence per subject");
    }

    /** JSMessageTTLDisabledErr: a {@code Nats-TTL} on a stream without {@code allow_msg_ttl}. */
    static JetStreamApiException ttlDisabled() {
        return new JetStreamApiException(400, 10166, "per-message TTL is disabled");
    }

    /** JSMessageTTLInvalidErr: a {@code Nats-TTL} the server cannot read. */
    static JetStreamApiException ttlInvalid() {
        return new JetStreamApiException(400, 10165, "invalid per-message TTL");
    }

    static JetStreamApiException wrongLastMsgId(String actual) {
        return new JetStreamApiException(400, 10070, "wrong last msg ID: " + actual);
    }

    static JetStreamApiException messageTooLarge() {
        return new JetStreamApiException(400, 10054, "message size exceeds maximum allowed");
    }

    static JetStreamApiException headerTooLarge() {
        return new JetStreamApiException(400, 10097, "header size exceeds maximum allowed of 64k");
    }

    static JetStreamApiException sealed() {
        return new JetStreamApiException(400, 10109, "invalid operation on sealed stream");
    }

    /** JSStreamStoreFailedF: "maximum messages exceeded", "maximum bytes exceeded", I/O errors. */
    static JetStreamApiException storeFailed(String err) {
        return new JetStreamApiException(503, 10077, err);
    }

    /** {@link #storeFailed} made ahead of its failure, without a stack trace. */
    static JetStreamApiException storeFailedAhead(String err) {
        return new JetStreamApiException(503, 10077, err, true);
    }

    static JetStreamApiException deleteFailed(String err) {
        return new JetStreamApiException(500, 10057, err);
    }

    static JetStreamApiException purgeFailed(String err) {
        return new JetStreamApiException(500, 10110, err);
    }

    static JetStreamApiException rollupFailed(String err) {
        return new JetStreamApiException(500, 10111, err);
    }

    /** JSBadRequestErr. */
    static JetStreamApiException badRequest() {
        return new JetStreamApiException(400, 10003, "bad request");
    }

    static JetStreamApiException noMessageFound() {
        return new JetStreamApiException(404, 10037, "no message found");
    }
}
