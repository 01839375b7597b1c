package io.jetstart.it;

import java.util.List;

/** Which accounts a server run serves with JetStream (see {@link Account} for why never all three). */
enum ServerAccounts {
    /** No configuration file: only {@code $G}, like the fixtures. */
    GLOBAL(List.of(Account.GLOBAL)),
    /** A configuration file with {@code ACC_A} and {@code ACC_B}, each with JetStream enabled. */
    NAMED(Account.named());

    private final List<Account> accounts;

    ServerAccounts(List<Account> accounts) {
        this.accounts = accounts;
    }

    List<Account> accounts() {
        return accounts;
    }

    /** The nats-server configuration file text, or {@code null} when none is needed. */
    String configFile() {
        if (this == GLOBAL) {
            return null;
        }
        StringBuilder conf = new StringBuilder("accounts {\n");
        for (Account a : accounts) {
            conf.append("  ").append(a.name()).append(": { jetstream: enabled, users: [ { user: \"")
                    .append(a.user()).append("\", password: \"").append(a.password()).append("\" } ] }\n");
        }
        return conf.append("}\n").toString();
    }
}
