package io.jetstart.core.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian fixed-width access to byte arrays; callers check bounds first. */
public final class LittleEndian {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    public static int u16(byte[] b, int off) {
        return ((short) I16.get(b, off)) & 0xffff;
    }

    public static long u32(byte[] b, int off) {
        return ((int) I32.get(b, off)) & 0xffff_ffffL;
    }

    public static long u64(byte[] b, int off) {
        return (long) I64.get(b, off);
    }

    public static void putU16(byte[] b, int off, int v) {
        I16.set(b, off, (short) v);
    }

    public static void putU32(byte[] b, int off, long v) {
        I32.set(b, off, (int) v);
    }

    public static void putU64(byte[] b, int off, long v) {
        I64.set(b, off, v);
    }
}
