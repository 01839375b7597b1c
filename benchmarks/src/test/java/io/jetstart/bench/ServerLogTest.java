package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Lines copied from real nats-server 2.15.1 and 2.9.10 logs. */
class ServerLogTest {
    @Test
    void theTookLineOf215IsReadyWithTheServersOwnFigure() {
        ServerLog.Ready r = ServerLog.ready("[30659] 2026/11/25 13:12:57.394181 [INF] Took 8.716094ms to start JetStream");
        assertThat(r).isNotNull();
        assertThat(r.tookNanos()).isEqualTo(8_716_094L);
    }

    @Test
    void serverIsReadyCountsForA29ServerWithoutAFigure() {
        ServerLog.Ready r = ServerLog.ready("[30802] 2026/11/25 13:13:02.497583 [INF] Server is ready");
        assertThat(r).isNotNull();
        assertThat(r.tookNanos()).isEqualTo(ServerLog.Ready.UNKNOWN);
    }

    @Test
    void startingJetStreamIsNotReady() {
        assertThat(ServerLog.ready("[30659] 2026/11/25 13:12:57.385452 [INF] Starting JetStream")).isNull();
    }

    @Test
    void restoredLinesOfBothVersionsGiveTheirMessageCount() {
        assertThat(ServerLog.restoredMessages(
                "[30659] 2026/11/25 13:12:57.393154 [INF]   Restored 100,000 messages for stream '$G > S1' in 7ms")).isEqualTo(100_000);
        assertThat(ServerLog.restoredMessages(
                "[30802] 2026/11/25 13:13:02.464616 [INF]   Restored 1,000,000 messages for stream '$G > S1'")).isEqualTo(1_000_000);
        assertThat(ServerLog.restoredMessages("[1] 2026/11/25 13:13:02.464616 [INF]   Starting restore for stream '$G > S1'"))
                .isEqualTo(-1);
    }

    @Test
    void aFatalLineIsRecognised() {
        assertThat(ServerLog.fatal("[1] 2026/11/25 13:13:02.464616 [FTL] Can't start JetStream: boom")).isTrue();
        assertThat(ServerLog.fatal("[1] 2026/11/25 13:13:02.464616 [WRN] something")).isFalse();
    }
}
