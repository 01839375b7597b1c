package io.jetstart.core.hash;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Picks the {@link RecordHash} implementation once per JVM: the 256-bit vector hash when this JVM
 * can run it fast and it agrees with the scalar one, else {@link HighwayHash64}.
 *
 * <p>The choice follows the system property {@code jetstart.hash}: {@code auto} (default) takes
 * the vector hash when {@code jdk.incubator.vector} is in the boot layer ({@code --add-modules
 * jdk.incubator.vector}, which {@code ./jetstart} passes where the hash is used) and the CPU has native 256-bit vectors;
 * {@code scalar} never does; {@code vector} insists, and {@link #forKey} throws naming why when it
 * cannot. {@link #implementation()} says which one is in use and why, for the start-up log.
 *
 * <p>Design note: the vector class is compiled for Java 25 against an incubating module, so it is
 * only ever loaded reflectively, after the module is known to be present; a class-path user on a
 * plain JVM gets the scalar hash and no linkage error. Before it is trusted, its hashes of a
 * sample of record shapes (one per branch of its code) are compared with the scalar ones: a wrong
 * checksum would make a rebuild report good data as damaged, so a disagreement (a JIT or CPU
 * fault) falls back rather than proceeds.
 *
 * <p>The choice is made on first use, which may be inside a recovery's task group (design.md:
 * shared services are started before the fork). It is made by a class initializer: the JVM runs it
 * exactly once and holds every other thread until it has finished, so there is no half-started
 * state to race on (nats-server #7503's failure), and what it publishes is immutable. Making it
 * before the fork instead would cost every fast-path recovery of a large store the Vector API's
 * ~100 ms start-up for a hash it never computes.
 */
public final class RecordHashes {
    private static final String VECTOR_CLASS = "io.jetstart.core.hash.vector.VectorRecordHash";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String PROPERTY = "jetstart.hash";

    private RecordHashes() {
    }

    /** The record checksum of block {@code blockIndex} of stream {@code stream}. */
    public static RecordHash forBlock(String stream, long blockIndex) {
        return forKey(HashKeys.forBlock(stream, blockIndex));
    }

    /** A record checksum keyed with {@code key32} (32 bytes). */
    public static RecordHash forKey(byte[] key32) {
        return Choice.CURRENT.create(key32);
    }

    /** Which implementation {@link #forKey} returns, and why: e.g. {@code "vector (256-bit, jdk.incubator.vector)"}. */
    public static String implementation() {
        return Choice.CURRENT.description();
    }

    /** True when {@code -Djetstart.hash=vector} asks for the vector hash whatever the store's size. */
    public static boolean insisted() {
        return wanted().equals("vector");
    }

    /** {@code -Djetstart.hash}, trimmed and lower-cased; {@code auto} when unset. */
    private static String wanted() {
        return System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    }

    /** True when {@link #forKey} returns the vector implementation. */
    public static boolean vectorized() {
        return Choice.CURRENT.vector() != null;
    }

    /** The decision, made on first use (class initialization is the JVM's own once-only lock). */
    private record Choice(MethodHandle vector, String description, String refusal) {
        static final Choice CURRENT = decide(wanted());

        RecordHash create(byte[] key32) {
            if (refusal != null) {
                throw new IllegalStateException(refusal);
            }
            if (vector == null) {
                return new HighwayHash64(key32);
            }
            try {
                return (RecordHash) vector.invoke(key32);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("cannot create the vector record hash", t);
            }
        }

        static Choice decide(String mode) {
            if (mode.equals("scalar")) {
                return new Choice(null, "scalar (jetstart.hash=scalar)", null);
            }
            if (!mode.equals("auto") && !mode.equals("vector")) {
                return new Choice(null, "none", PROPERTY + "=" + mode + " is not one of auto, scalar, vector");
            }
            String why = null;
            MethodHandle create = null;
            if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                why = VECTOR_MODULE + " is not enabled (start the JVM with --add-modules " + VECTOR_MODULE + ")";
            } else if ((why = withoutC2()) != null) {
                // Checked first: without C2 the vector hash never leaves its slow path.
            } else {
                try {
                    // io.jetstart.core does not require the incubating module (module-info says why):
                    // on a module path it reads it only from here on. No effect on the class path.
                    RecordHashes.class.getModule().addReads(ModuleLayer.boot().findModule(VECTOR_MODULE).orElseThrow());
                    Class<?> type = Class.forName(VECTOR_CLASS);
                    // Our own lookup: the vector package is not exported, so a public lookup cannot see it on a module path.
                    MethodHandles.Lookup lookup = MethodHandles.lookup();
                    why = (String) lookup.findStatic(type, "unsupportedReason", MethodType.methodType(String.class))
                            .invoke();
                    if (why == null) {
                        create = lookup.findConstructor(type, MethodType.methodType(void.class, byte[].class))
                                .asType(MethodType.methodType(RecordHash.class, byte[].class));
                        why = disagreement((RecordHash) create.invoke(HashKeys.forBlock("SELFTEST", 1)));
                    }
                } catch (Throwable t) {
                    why = "the vector hash could not be loaded: " + t;
                }
            }
            if (why == null) {
                return new Choice(create, "vector (256-bit, " + VECTOR_MODULE + ")", null);
            }
            if (mode.equals("vector")) {
                return new Choice(null, "none", "jetstart.hash=vector, but " + why);
            }
            return new Choice(null, "scalar (" + why + ")", null);
        }

        /**
         * Why this JVM will never run the vector hash in C2, or null. Only C2 compiles the Vector
         * API into vector instructions; in the interpreter or C1 every operation is a call that
         * allocates, and a seed8 rebuild under {@code -XX:TieredStopAtLevel=1} took over six
         * minutes of CPU instead of two seconds.
         */
        private static String withoutC2() {
            if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
                return "the JVM only interprets (-Xint), and the vector hash is fast only in C2";
            }
            try {
                HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                if (vm == null) {
                    return "not a HotSpot JVM: whether C2 compiles the vector hash is unknown";
                }
                if (!Boolean.parseBoolean(vm.getVMOption("UseCompiler").getValue())) {
                    return "the JIT is off (-XX:-UseCompiler), and the vector hash is fast only in C2";
                }
                int stopAt = Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue());
                if (Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue()) && stopAt < 4) {
                    return "C2 is off (-XX:TieredStopAtLevel=" + stopAt + "), and the vector hash is fast only in C2";
                }
                return null;
            } catch (RuntimeException | LinkageError e) {
                return "whether C2 compiles the vector hash is unknown (" + e + ")";
            }
        }

        /**
         * Null when the vector hash equals the scalar one on a sample of record shapes: every
         * branch of the vector code (joined or blended first packet, with and without a
         * remainder, each way of padding one) but few inputs, because until the JIT compiles it
         * each vector hash costs a quarter of a millisecond.
         */
        private static String disagreement(RecordHash candidate) {
            RecordHash reference = new HighwayHash64(HashKeys.forBlock("SELFTEST", 1));
            byte[] b = new byte[256];
            new SplittableRandom(0x6a657473L).nextBytes(b);
            int[][] shapes = {
                // {subject length, gap (4 = headers), payload length}
                {0, 0, 0}, {0, 0, 15}, {0, 0, 16}, {0, 0, 19}, {0, 0, 34}, {0, 0, 48}, {0, 0, 100},
                {5, 0, 114}, {7, 4, 0}, {7, 4, 9}, {16, 4, 42}, {33, 4, 130},
            };
            for (int[] shape : shapes) {
                int slen = shape[0];
                int q = 22 + slen + shape[1];
                int m = shape[2];
                if (reference.hashRecord(b, 4, 22, slen, q, m) != candidate.hashRecord(b, 4, 22, slen, q, m)) {
                    return "the vector hash disagreed with the scalar one (subject " + slen
                            + " B, payload " + m + " B, gap " + shape[1] + ")";
                }
            }
            return null;
        }
    }
}
