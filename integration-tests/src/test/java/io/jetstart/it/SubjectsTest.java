package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SubjectsTest {

    @Test
    void aLiteralFilterMatchesOnlyTheSameSubject() {
        assertThat(Subjects.matches("a.b", "a.b")).isTrue();
        assertThat(Subjects.matches("a.b", "a.c")).isFalse();
        assertThat(Subjects.matches("a.b", "a.b.c")).isFalse();
    }

    @Test
    void aStarMatchesExactlyOneToken() {
        assertThat(Subjects.matches("a.*", "a.b")).isTrue();
        assertThat(Subjects.matches("a.*", "a")).isFalse();
        assertThat(Subjects.matches("a.*", "a.b.c")).isFalse();
        assertThat(Subjects.matches("*.b", "x.b")).isTrue();
    }

    @Test
    void aTrailingGreaterThanMatchesOneOrMoreTokens() {
        assertThat(Subjects.matches("a.>", "a.b")).isTrue();
        assertThat(Subjects.matches("a.>", "a.b.c")).isTrue();
        assertThat(Subjects.matches("a.>", "a")).isFalse();
        assertThat(Subjects.matches(">", "anything.at.all")).isTrue();
    }
}
