package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.format.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A meta.inf with JSON nested deep under a key: Go's decoder, and so every nats-server, reads up
 * to 10,000 levels (the outer object counts) and refuses deeper ones with "exceeded max depth";
 * the parser takes exactly what Go takes, refuses the rest with a message, and no depth costs a
 * stack overflow. Each case runs on a thread with a small stack (128 KiB, a fraction of a
 * platform thread's default), so recursion per level would fail it long before 10,000.
 */
class DeepJsonTest {
    static final long SMALL_STACK = 128 * 1024;

    /** A stream meta.inf whose whole document is nested {@code depth} deep: arrays under {@code "zzz"}. */
    static byte[] nested(int depth, String open, String close) {
        int inner = depth - 1;
        return ("{\"name\":\"ODD\",\"subjects\":[\"odd.>\"],\"zzz\":" + open.repeat(inner) + close.repeat(inner) + "}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs {@code task} on a new platform thread with {@link #SMALL_STACK}; its error, if any, is rethrown. */
    static <T> T onSmallStack(java.util.concurrent.Callable<T> task) throws Throwable {
        CompletableFuture<T> out = new CompletableFuture<>();
        Thread t = new Thread(null, () -> {
            try {
                out.complete(task.call());
            } catch (Throwable e) {
                out.completeExceptionally(e);
            }
        }, "small-stack", SMALL_STACK);
        t.start();
        t.join();
        try {
            return out.get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1_001, 5_000, 10_000})
    void aDocumentAsDeepAsGoReadsParsesAndCopiesOnASmallStack(int depth) throws Throwable {
        for (byte[] json : new byte[][] {nested(depth, "[", "]"), objects(depth)}) {
            StreamConfig c = onSmallStack(() -> StreamConfig.parse(json));
            assertThat(c.name()).isEqualTo("ODD");
            assertThat(c.unknownKeys()).containsExactly("zzz");
            int levels = onSmallStack(() -> depthOf(c.json()));
            assertThat(levels).as("the tree json() hands out").isEqualTo(depth);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {10_001, 100_000})
    void aDocumentDeeperThanGoReadsIsRefusedWithGosLimitNamed(int depth) {
        for (byte[] json : new byte[][] {nested(depth, "[", "]"), objects(depth)}) {
            assertThatThrownBy(() -> onSmallStack(() -> StreamConfig.parse(json)))
                    .isInstanceOf(FormatException.class)
                    .hasMessageContaining("nested deeper than 10000 levels");
        }
    }

    @Test
    void aConsumerMetaInfTakesTheSameLimit() throws Throwable {
        byte[] deepest = ("{\"durable_name\":\"C\",\"zzz\":" + "[".repeat(9_999) + "]".repeat(9_999) + "}")
                .getBytes(StandardCharsets.US_ASCII);
        ConsumerConfig c = onSmallStack(() -> ConsumerConfig.parse(deepest));
        assertThat(c.durableName()).isEqualTo("C");
        assertThat(onSmallStack(() -> depthOf(c.json()))).isEqualTo(10_000);
        byte[] deeper = ("{\"durable_name\":\"C\",\"zzz\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}")
                .getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> onSmallStack(() -> ConsumerConfig.parse(deeper))).isInstanceOf(FormatException.class)
                .hasMessageContaining("nested deeper than 10000 levels");
    }

    /** A document of {@code depth} nested objects: {"name":..., "zzz":{"a":{"a":...{}}}}. */
    static byte[] objects(int depth) {
        int inner = depth - 1;
        return ("{\"name\":\"ODD\",\"subjects\":[\"odd.>\"],\"zzz\":" + "{\"a\":".repeat(inner - 1) + "{}" + "}".repeat(inner - 1) + "}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Levels of containers, the root counted, without recursion. */
    static int depthOf(JsonNode root) {
        int max = 0;
        java.util.ArrayDeque<Object[]> todo = new java.util.ArrayDeque<>();
        todo.push(new Object[] {root, 1});
        while (!todo.isEmpty()) {
            Object[] e = todo.pop();
            JsonNode n = (JsonNode) e[0];
            int d = (int) e[1];
            if (n.isContainerNode()) {
                max = Math.max(max, d);
                for (JsonNode child : n) {
                    todo.push(new Object[] {child, d + 1});
                }
            }
        }
        return max;
    }
}
