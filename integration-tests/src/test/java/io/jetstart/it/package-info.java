/**
 * Integration tests against real nats-server builds: server to jetstart and jetstart to server,
 * crashes and faults. Servers listen on 127.0.0.1 only and are always stopped.
 */
package io.jetstart.it;
