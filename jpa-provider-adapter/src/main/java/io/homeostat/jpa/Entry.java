package io.homeostat.jpa;

import java.util.Arrays;

/**
 * What the store holds under a domain-data key, in a small binary envelope (no Java serialization):
 * <ul>
 *   <li>{@link Value}: a cached item, written in region generation {@code gen};</li>
 *   <li>{@link Lock}: soft locks of in-flight transactions (READ_WRITE); a read is a miss and a load may not replace
 *   it. {@code concurrent} records that more than one transaction locked it, so no single one may publish its value;
 *   {@code previous} is the raw entry the first lock replaced, restored when its only holder rolls back;</li>
 *   <li>{@link Tombstone}: invalidated at cluster time {@code ts}; only a load whose transaction started later may
 *   replace it.</li>
 * </ul>
 */
abstract class Entry {

    private static final byte VALUE = 1;
    private static final byte LOCK = 2;
    private static final byte TOMBSTONE = 3;

    /** Where a value's payload starts in its raw entry. */
    static final int VALUE_PAYLOAD_OFFSET = 9;

    abstract byte[] toBytes();

    /** Whether {@code raw} (not null) holds a {@link Value}; throws for a malformed entry, as {@link #parse} does. */
    static boolean isValue(byte[] raw) {
        if (raw.length < 9) {
            throw new Codec.RejectedPayloadException("malformed cache entry of " + raw.length + " bytes");
        }
        return raw[0] == VALUE;
    }

    /** The generation of the value in {@code raw}, which {@link #isValue} accepted. */
    static long valueGen(byte[] raw) {
        return Bytes.getLong(raw, 1);
    }

    /** The entry in {@code raw}, or null for absent. */
    static Entry parse(byte[] raw) {
        if (raw == null) {
            return null;
        }
        if (raw.length < 9) {
            throw new Codec.RejectedPayloadException("malformed cache entry of " + raw.length + " bytes");
        }
        switch (raw[0]) {
            case VALUE:
                return new Value(Bytes.getLong(raw, 1), Arrays.copyOfRange(raw, 9, raw.length));
            case TOMBSTONE:
                return new Tombstone(Bytes.getLong(raw, 1));
            case LOCK:
                return Lock.parse(raw);
            default:
                throw new Codec.RejectedPayloadException("unknown cache entry kind " + raw[0]);
        }
    }

    /** A cached item: the codec's payload, written in region generation {@code gen}. */
    static final class Value extends Entry {
        final long gen;
        final byte[] payload;

        Value(long gen, byte[] payload) {
            this.gen = gen;
            this.payload = payload;
        }

        @Override
        byte[] toBytes() {
            byte[] b = new byte[9 + payload.length];
            b[0] = VALUE;
            Bytes.putLong(b, 1, gen);
            System.arraycopy(payload, 0, b, 9, payload.length);
            return b;
        }
    }

    /** Invalidated at cluster clock time {@code ts}. */
    static final class Tombstone extends Entry {
        final long ts;

        Tombstone(long ts) {
            this.ts = ts;
        }

        @Override
        byte[] toBytes() {
            byte[] b = new byte[9];
            b[0] = TOMBSTONE;
            Bytes.putLong(b, 1, ts);
            return b;
        }
    }

    /** Soft locks held by in-flight transactions; ids are 128-bit random. */
    static final class Lock extends Entry {
        final long gen;
        final boolean concurrent;
        final long[] ids; // pairs (hi, lo)
        final byte[] previous; // raw entry replaced by the first lock, or null (absent)

        Lock(long gen, boolean concurrent, long[] ids, byte[] previous) {
            this.gen = gen;
            this.concurrent = concurrent;
            this.ids = ids;
            this.previous = previous;
        }

        int holders() {
            return ids.length / 2;
        }

        boolean holds(long hi, long lo) {
            for (int i = 0; i < ids.length; i += 2) {
                if (ids[i] == hi && ids[i + 1] == lo) {
                    return true;
                }
            }
            return false;
        }

        Lock with(long newGen, long hi, long lo) {
            long[] more = Arrays.copyOf(ids, ids.length + 2);
            more[ids.length] = hi;
            more[ids.length + 1] = lo;
            return new Lock(newGen, true, more, null);
        }

        Lock without(long hi, long lo) {
            long[] fewer = new long[ids.length - 2];
            int j = 0;
            for (int i = 0; i < ids.length; i += 2) {
                if (!(ids[i] == hi && ids[i + 1] == lo)) {
                    fewer[j++] = ids[i];
                    fewer[j++] = ids[i + 1];
                }
            }
            return new Lock(gen, concurrent, fewer, previous);
        }

        @Override
        byte[] toBytes() {
            int prevLen = previous == null ? -1 : previous.length;
            byte[] b = new byte[1 + 8 + 1 + 4 + ids.length * 8 + 4 + Math.max(0, prevLen)];
            b[0] = LOCK;
            Bytes.putLong(b, 1, gen);
            b[9] = (byte) (concurrent ? 1 : 0);
            Bytes.putInt(b, 10, ids.length / 2);
            int at = 14;
            for (long id : ids) {
                Bytes.putLong(b, at, id);
                at += 8;
            }
            Bytes.putInt(b, at, prevLen);
            at += 4;
            if (previous != null) {
                System.arraycopy(previous, 0, b, at, previous.length);
            }
            return b;
        }

        static Lock parse(byte[] b) {
            long gen = Bytes.getLong(b, 1);
            boolean concurrent = b[9] != 0;
            int n = Bytes.getInt(b, 10);
            if (n < 0 || 14 + (long) n * 16 + 4 > b.length) {
                throw new Codec.RejectedPayloadException("malformed cache lock entry");
            }
            long[] ids = new long[n * 2];
            int at = 14;
            for (int i = 0; i < ids.length; i++) {
                ids[i] = Bytes.getLong(b, at);
                at += 8;
            }
            int prevLen = Bytes.getInt(b, at);
            at += 4;
            byte[] previous = prevLen < 0 ? null : Arrays.copyOfRange(b, at, at + prevLen);
            return new Lock(gen, concurrent, ids, previous);
        }
    }
}
