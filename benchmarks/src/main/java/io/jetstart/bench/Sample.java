package io.jetstart.bench;

/**
 * One timed run.
 *
 * @param fromExecNanos process start to the moment it reported ready (jetstart: its result line;
 *                      nats-server: its {@code Took ...} or {@code Server is ready} line)
 * @param innerNanos    the variant's own figure: jetstart's recovery wall time, the floor's read
 *                      time, nats-server's {@code Took} value; -1 when there is none (2.9)
 * @param heapPeak      bytes, -1 when not measured
 * @param rssPeak       bytes ({@code VmHWM}), -1 when not measured
 * @param cpuNanos      CPU time (user + system) of the process from exec to the same moment as
 *                      {@code fromExecNanos}, -1 when not measured
 * @param messages      messages the run reported (-1: not reported)
 * @param workers       workers or threads it used (-1: not reported)
 * @param failure       null when the run came back whole, else why not
 */
record Sample(long fromExecNanos, long innerNanos, long heapPeak, long rssPeak, long cpuNanos, long messages, int workers, String failure) {
    boolean ok() {
        return failure == null;
    }

    static Sample failed(long fromExecNanos, String why) {
        return new Sample(fromExecNanos, -1, -1, -1, -1, -1, -1, why);
    }
}
