package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * A gate's waiter class is loaded with the gate, not by the first operation that has to wait: that
 * one holds the gate's lock with every permit taken, and a class read from the jar there (the
 * launcher's AOT cache did not hold it: its training never fills the gate) kept every disk
 * operation of the run waiting for the lock (docs/benchmarks-passes.md, "Eighth pass on many").
 */
class GateClassesLoadedTest {
    private static final String GATE = CountingDiskGate.class.getName();
    private static final String WAITER = GATE + "$Waiter";

    /** Defines the gate's classes itself (a fresh copy), so what it has loaded is this test's alone. */
    private static final class Isolated extends ClassLoader {
        Isolated() {
            super(GateClassesLoadedTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(GATE)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] bytes = in.readAllBytes();
                        c = defineClass(name, bytes, 0, bytes.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c;
            }
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }

    @Test
    void theWaiterClassIsLoadedWhenAGateIsMadeBeforeAnyOperationWaits() throws Exception {
        Isolated loader = new Isolated();
        Class<?> gate = loader.loadClass(GATE);
        assertThat(loader.loaded(WAITER)).as("loaded by the gate's class alone, before a gate is made").isFalse();
        Object g = gate.getConstructor(int.class).newInstance(1);
        assertThat(g.getClass().getClassLoader()).isSameAs(loader);
        assertThat(loader.loaded(WAITER)).isTrue();
    }
}
