package io.jetstart.it;

import java.util.List;

/**
 * A NATS account the tests publish into. {@code $G} is the default (global) account; the two
 * named ones exist only when the server runs with {@link ServerAccounts#NAMED}.
 *
 * <p>nats-server refuses to configure {@code $G} ("Reserved Account") and, once named accounts
 * exist, enables JetStream only for those that say {@code jetstream: enabled}, so {@code $G} and
 * the named accounts can never use JetStream in the same server run. A store holding all three
 * is therefore written in two runs on the same store folder (see {@link ServerAccounts}).
 */
record Account(String name, String user, String password) {

    static final Account GLOBAL = new Account("$G", null, null);
    static final Account ACC_A = new Account("ACC_A", "a", "a-secret");
    static final Account ACC_B = new Account("ACC_B", "b", "b-secret");

    static List<Account> named() {
        return List.of(ACC_A, ACC_B);
    }

    boolean isGlobal() {
        return user == null;
    }
}
