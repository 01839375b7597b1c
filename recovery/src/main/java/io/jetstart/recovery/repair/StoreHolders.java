package io.jetstart.recovery.repair;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Who holds a store, as well as the platform lets us see, so that a repair never cuts a file a live
 * process writes.
 *
 * <ul>
 *   <li><b>nats-server</b> (2.9.10, 2.10.27 and 2.15.1, as tested) takes no lock on its store and
 *       keeps no file of it open while idle. It is found by its command line in
 *       {@code /proc/<pid>/cmdline}: an executable named {@code nats-server*} whose {@code -sd} /
 *       {@code --store_dir} (or the {@code store_dir} of its {@code -c} config file) is this store,
 *       relative paths resolved against {@code /proc/<pid>/cwd}; with {@code -js} and neither, its
 *       default {@code <tmp>/nats}.</li>
 *   <li><b>any process</b> with a file under the store open ({@code /proc/<pid>/fd}): a runtime
 *       holding its store lock, a server in the middle of a write.</li>
 *   <li><b>a lock file</b> ({@code *.lock}, {@code LOCK}) in the store or its {@code jetstream/}
 *       folder that another process (or this JVM) holds an exclusive lock on: the runtime's
 *       {@code jetstart.lock} while a runtime has the store open.</li>
 * </ul>
 * Limits: only Linux has {@code /proc}; elsewhere only the lock files are checked. Processes of
 * other users are invisible without the privileges to read their {@code /proc} entries, and a
 * server on another machine sharing the store over a network file system cannot be seen at all.
 * {@link Result#notes()} says which of these applied.
 */
public final class StoreHolders {
    /**
     * The store in a config file: nats-server takes {@code store_dir}, {@code storedir} and
     * {@code store} in any case, at the start of a line or after the {@code {} or {@code ,} of a
     * block written on one line ({@code jetstream { store_dir: "/data" }}, which was missed, so a
     * server started so was not seen holding its store).
     */
    private static final Pattern STORE_DIR_IN_CONF =
            Pattern.compile("(?im)(?:^|[{,;])\\s*(?:store_dir|storedir|store)(?:\\s*[:=]\\s*|\\s+)[\"']?([^\"'\\s},#;]+)");

    private StoreHolders() {
    }

    /** One process holding the store, said as an operator reads it. */
    public record Holder(long pid, String description) {
    }

    public record Result(List<Holder> holders, List<String> notes) {
        public boolean held() {
            return !holders.isEmpty();
        }
    }

    public static Result find(Path storeRoot) {
        Path store = real(storeRoot);
        List<Holder> holders = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        lockFiles(store, holders, notes);
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc.resolve("self"))) {
            notes.add("no /proc on this platform: a running nats-server cannot be detected; stop it before repairing");
            return new Result(holders, notes);
        }
        long self = ProcessHandle.current().pid();
        int unreadable = 0;
        try (Stream<Path> pids = Files.list(proc)) {
            for (Path p : pids.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                List<String> argv = cmdline(p);
                if (argv.isEmpty()) {
                    continue;
                }
                Path cwd = readLink(p.resolve("cwd"));
                if (isNatsServer(argv)) {
                    Optional<String> dir = natsStoreDir(argv, cwd, notes, pid);
                    if (dir.isPresent() && real(Path.of(dir.get())).equals(store)) {
                        holders.add(new Holder(pid, "nats-server pid " + pid + " (" + String.join(" ", argv)
                                + ") runs on this store"));
                        continue;
                    }
                }
                try (Stream<Path> fds = Files.list(p.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        Path target = readLink(fd);
                        if (target != null && target.startsWith(store)) {
                            holders.add(new Holder(pid, "pid " + pid + " (" + argv.get(0) + ") has " + target + " open"));
                            break;
                        }
                    }
                } catch (IOException | SecurityException e) {
                    unreadable++;
                }
            }
        } catch (IOException e) {
            notes.add("cannot list /proc (" + e.getMessage() + "): running processes were not checked");
        }
        if (unreadable > 0) {
            notes.add(unreadable + " processes of other users could not be inspected (open files); run as root to see them");
        }
        return new Result(holders, notes);
    }

    /**
     * Only the nats-server processes that run on {@code storeRoot} (found as {@link #find} finds
     * them, by their command line), without the open-file scan: what a writer must check before it
     * opens a store, where a reader that has a file open (a {@code jetstart dump}) is no obstacle.
     * Empty where there is no {@code /proc}.
     */
    public static List<Holder> natsServers(Path storeRoot) {
        Path store = real(storeRoot);
        List<Holder> servers = new ArrayList<>();
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc.resolve("self"))) {
            return servers;
        }
        try (Stream<Path> pids = Files.list(proc)) {
            for (Path p : pids.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                List<String> argv = cmdline(p);
                if (argv.isEmpty() || !isNatsServer(argv)) {
                    continue;
                }
                long pid = Long.parseLong(p.getFileName().toString());
                Optional<String> dir = natsStoreDir(argv, readLink(p.resolve("cwd")), new ArrayList<>(), pid);
                if (dir.isPresent() && real(Path.of(dir.get())).equals(store)) {
                    servers.add(new Holder(pid, "nats-server pid " + pid + " (" + String.join(" ", argv) + ") runs on this store"));
                }
            }
        } catch (IOException e) {
            // /proc unreadable: nothing seen, as on a platform without it.
        }
        return servers;
    }

    static boolean isNatsServer(List<String> argv) {
        String exe = Path.of(argv.get(0)).getFileName() == null ? argv.get(0) : Path.of(argv.get(0)).getFileName().toString();
        return exe.startsWith("nats-server");
    }

    /**
     * The store directory a nats-server command line uses: {@code -sd}/{@code --sd}/{@code -store_dir}
     * /{@code --store_dir} (as {@code -flag value} or {@code -flag=value}, Go's flag syntax), else the
     * {@code store_dir} of its config file, else {@code <tmp>/nats} with {@code -js}.
     */
    static Optional<String> natsStoreDir(List<String> argv, Path cwd, List<String> notes, long pid) {
        String conf = null;
        boolean js = false;
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            String flag = a.startsWith("--") ? a.substring(2) : a.startsWith("-") ? a.substring(1) : null;
            if (flag == null) {
                continue;
            }
            String value = null;
            int eq = flag.indexOf('=');
            if (eq >= 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            switch (flag) {
                case "sd", "store_dir" -> {
                    String v = value != null ? value : i + 1 < argv.size() ? argv.get(++i) : null;
                    if (v != null) {
                        return Optional.of(resolve(cwd, v));
                    }
                }
                case "c", "config" -> conf = value != null ? value : i + 1 < argv.size() ? argv.get(++i) : null;
                case "js", "jetstream" -> js = true;
                default -> {
                }
            }
        }
        if (conf != null) {
            Path confPath = Path.of(resolve(cwd, conf));
            try {
                Matcher m = STORE_DIR_IN_CONF.matcher(Files.readString(confPath, StandardCharsets.UTF_8));
                if (m.find()) {
                    // A relative store_dir is relative to the server's working directory.
                    return Optional.of(resolve(cwd, m.group(1)));
                }
            } catch (IOException e) {
                notes.add("nats-server pid " + pid + ": its config " + confPath + " cannot be read (" + e.getMessage()
                        + "), so its store is unknown; make sure it is not this one");
                return Optional.empty();
            }
        }
        return js || conf != null ? Optional.of(Path.of(System.getProperty("java.io.tmpdir"), "nats").toString()) : Optional.empty();
    }

    private static String resolve(Path cwd, String p) {
        Path path = Path.of(p);
        return (path.isAbsolute() || cwd == null ? path : cwd.resolve(path)).toString();
    }

    private static void lockFiles(Path store, List<Holder> holders, List<String> notes) {
        for (Path dir : List.of(store, store.resolve("jetstream"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".lock") || n.equals("LOCK")) {
                        lockHolder(f).ifPresent(holders::add);
                    }
                }
            } catch (IOException e) {
                notes.add("cannot list " + dir + " for lock files: " + e.getMessage());
            }
        }
    }

    /** A shared lock is refused while anyone holds the exclusive one; taken, it is released at once. */
    private static Optional<Holder> lockHolder(Path lockFile) {
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.READ)) {
            FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
            if (lock == null) {
                return Optional.of(new Holder(-1, "another process holds the lock " + lockFile));
            }
            lock.release();
            return Optional.empty();
        } catch (OverlappingFileLockException e) {
            return Optional.of(new Holder(ProcessHandle.current().pid(), "this process holds the lock " + lockFile
                    + " (a runtime has the store open)"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> cmdline(Path procPid) {
        try {
            byte[] b = Files.readAllBytes(procPid.resolve("cmdline"));
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < b.length) {
                out.add(new String(b, start, b.length - start, StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    private static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
