package io.jetstart.core.lines;

import java.util.List;
import java.util.Objects;

/**
 * Which server line's view a report follows, and why.
 *
 * @param line     the line whose rules were applied
 * @param asked    true when the user asked for it ({@code --as}); false when detected from the files
 * @param evidence what the files showed (detected), or what detection would have said (asked)
 */
public record LineChoice(ServerLine line, boolean asked, List<String> evidence) {
    public LineChoice {
        Objects.requireNonNull(line, "line");
        evidence = List.copyOf(evidence);
    }

    /** The user's choice, keeping what the files said for the report. */
    public LineChoice askedFor(ServerLine wanted) {
        return new LineChoice(wanted, true, evidence);
    }
}
