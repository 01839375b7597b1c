package io.jetstart.cli;

import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jetstart inspect}: single-threaded, read-only report of every stream and consumer. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show every account, stream and consumer with its state, how it was obtained (index or rebuilt) "
                + "and any problem found. Single-threaded and read-only.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreInput input = new StoreInput();

    @Mixin
    ServerLineOption serverLine = new ServerLineOption();

    @Option(names = "--json", description = "Write one JSON object {\"streams\": [...]} (docs/json.md)")
    boolean json;

    @Option(names = "--pretty", description = "Indent the JSON (default: compact)")
    boolean pretty;

    @Override
    public Integer call() throws Exception {
        Integer refused = input.refusal(spec.commandLine().getErr());
        if (refused != null) {
            return refused;
        }
        RecoveryOptions opts = serverLine.applyTo(
                input.reportOptions().withMode(RecoveryOptions.Mode.SEQUENTIAL).withDios(1).withWorkers(1));
        RecoveryReport report = StoreRecovery.recover(input.dir(), opts);
        var out = spec.commandLine().getOut();
        if (json) {
            if (!ReportJson.println(ReportJson.report(report, false), pretty, out)) {
                return Main.STDOUT_CLOSED;
            }
        } else {
            out.print(ReportTable.render(report, false));
        }
        out.flush();
        return ExitStatus.of(report);
    }
}
