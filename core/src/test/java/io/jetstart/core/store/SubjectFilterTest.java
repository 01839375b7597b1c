package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubjectFilterTest {
    private static boolean matches(String filter, String subject) {
        return new SubjectFilter(List.of(filter)).matches(subject);
    }

    @Test
    void wildcardsMatchAsNatsDoes() {
        assertThat(matches("a.*", "a.b")).isTrue();
        assertThat(matches("a.*", "a.b.c")).isFalse();
        assertThat(matches("a.>", "a.b.c")).isTrue();
        assertThat(matches("a.>", "a")).isFalse();
        assertThat(matches(">", "x")).isTrue();
        assertThat(matches("a.b", "a.b")).isTrue();
        assertThat(new SubjectFilter(List.of()).matches("anything")).isTrue();
    }

    @Test
    void aFilterTheServerCannotMatchAsAWildcardMatchesOnlyTheSubjectEqualToIt() {
        // nats-server's stores find nothing else for these (a purge on a.>.b purges no a.x.b): a middle
        // '>' read as "the rest" made a purge on it remove every message under a.
        assertThat(matches("a.>.b", "a.x.b")).isFalse();
        // 2.15.1 stores a message on a.>.b, and its last_by_subj and Nats-Expected-Last-Subject-Sequence find it.
        assertThat(matches("a.>.b", "a.>.b")).isTrue();
        assertThat(matches(">.a", ">.a")).isTrue();
        assertThat(matches(">.a", ">.a.b")).isFalse();
        assertThat(matches("a.>.b", "a.b")).isFalse();
        assertThat(matches(">.a", "x.a")).isFalse();
        assertThat(matches("a..b", "a..b")).isFalse();
        assertThat(matches("a.", "a.")).isFalse();
        // One invalid filter among valid ones takes nothing from them.
        assertThat(new SubjectFilter(List.of("a.>.b", "c.*")).matches("c.d")).isTrue();
        assertThat(new SubjectFilter(List.of("a.>.b")).matches("a.x.b")).isFalse();
    }
}
