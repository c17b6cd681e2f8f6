package io.homeostat.jgroups;

import io.homeostat.jgroups.FrameDecodeException.Cause;
import io.homeostat.replica.ReplicaMessage;
import io.homeostat.replica.TxnMessage;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Message;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The wire schema, derived by reflection from the engine's sealed message hierarchies: the ordered type registry, one
 * codec per reachable type, and the fingerprint of it all. Built once; immutable and thread-safe afterwards.
 *
 * <p>Type ids are the positions of the message records sorted by class name. Record components are written in
 * declaration order; a reference component is preceded by a presence byte (0 null, 1 present); lists are a count and
 * their elements; sealed interfaces inside messages are an index into their sorted permitted records. The fingerprint
 * hashes a canonical text of every reachable type (names, component names and generic types, enum constants, custom
 * encoders), so any change to a message's shape changes it and mismatched builds reject each other's frames.
 */
final class Schema {

    /** The sealed message hierarchies the codec carries. A test checks no other {@link Message} record exists. */
    static final List<Class<?>> ROOTS = List.of(ReplicaMessage.class, RingMessage.class, TxnMessage.class);

    /**
     * Bumped whenever an encoder below changes its byte layout without a change in the records, or the envelope
     * changes. 2: peers may send batch frames ({@link MessageCodec#encodeBatch}), which a revision-1 build would drop
     * as undecodable; with the fingerprint changed, the two reject each other's frames as SCHEMA_MISMATCH instead of
     * losing only the batched ones.
     */
    static final String ENCODING_REVISION = "homeostat-wire-2";

    /** Lazily built, after every static codec below is initialized. */
    private static final class Holder {
        static final Schema INSTANCE = build(ROOTS);
    }

    /** Limits enforced while decoding (and, where the peer would reject, while encoding). */
    record Limits(int maxFrameBytes, int maxListLength, int maxStringBytes, int maxDepth) {
    }

    interface ValueCodec {
        void write(WireWriter out, Object value, Limits limits);

        Object read(WireReader in, Limits limits, int depth) throws FrameDecodeException;
    }

    private final List<Class<?>> messageTypes;
    private final Map<Class<?>, Integer> ids;
    private final ValueCodec[] messageCodecs;
    private final ValueCodec addressCodec;
    private final String description;
    private final long fingerprint;

    private Schema(List<Class<?>> messageTypes, ValueCodec[] messageCodecs, ValueCodec addressCodec,
            String description) {
        this.messageTypes = List.copyOf(messageTypes);
        this.messageCodecs = messageCodecs;
        this.addressCodec = addressCodec;
        this.description = description;
        Map<Class<?>, Integer> m = new HashMap<>();
        for (int i = 0; i < messageTypes.size(); i++) {
            m.put(messageTypes.get(i), i);
        }
        this.ids = Map.copyOf(m);
        this.fingerprint = fingerprintOf(description);
    }

    static Schema get() {
        return Holder.INSTANCE;
    }

    List<Class<?>> messageTypes() {
        return messageTypes;
    }

    long fingerprint() {
        return fingerprint;
    }

    String description() {
        return description;
    }

    /** The type id of {@code type}, or -1 if it is not a registered message record. */
    int idOf(Class<?> type) {
        Integer id = ids.get(type);
        return id == null ? -1 : id;
    }

    ValueCodec messageCodec(int id) {
        return messageCodecs[id];
    }

    ValueCodec addressCodec() {
        return addressCodec;
    }

    // ---------------------------------------------------------------------------------------------------- building

    static Schema build(List<Class<?>> roots) {
        List<Class<?>> leaves = new ArrayList<>();
        for (Class<?> root : roots) {
            collectLeaves(root, leaves);
        }
        leaves.sort(Comparator.comparing(Class::getName));
        for (int i = 1; i < leaves.size(); i++) {
            if (leaves.get(i) == leaves.get(i - 1)) {
                throw new IllegalStateException("message record listed twice: " + leaves.get(i).getName());
            }
        }
        Builder b = new Builder();
        ValueCodec[] codecs = new ValueCodec[leaves.size()];
        for (int i = 0; i < leaves.size(); i++) {
            codecs[i] = b.codecFor(leaves.get(i));
        }
        ValueCodec address = b.codecFor(io.homeostat.runtime.Address.class);
        StringBuilder d = new StringBuilder(ENCODING_REVISION).append('\n');
        for (int i = 0; i < leaves.size(); i++) {
            d.append("id ").append(i).append(' ').append(leaves.get(i).getName()).append('\n');
        }
        b.definitions.values().forEach(def -> d.append(def).append('\n'));
        return new Schema(leaves, codecs, address, d.toString());
    }

    /** The records under a sealed interface, recursively. */
    static void collectLeaves(Class<?> type, List<Class<?>> out) {
        if (type.isRecord()) {
            out.add(type);
            return;
        }
        if (!type.isInterface() || !type.isSealed()) {
            throw new IllegalStateException(type.getName() + " is neither a record nor a sealed interface; the wire "
                    + "codec only carries sealed hierarchies of records");
        }
        for (Class<?> sub : type.getPermittedSubclasses()) {
            collectLeaves(sub, out);
        }
    }

    private static long fingerprintOf(String description) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(description.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static final class Builder {
        private final Map<Type, ValueCodec> cache = new HashMap<>();
        /** Canonical text per named type, sorted by name: the input of the fingerprint. */
        private final Map<String, String> definitions = new TreeMap<>();

        ValueCodec codecFor(Type t) {
            ValueCodec c = cache.get(t);
            if (c != null) {
                return c;
            }
            if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
                c = new ListCodec(codecFor(p.getActualTypeArguments()[0]));
                cache.put(t, c);
                return c;
            }
            if (!(t instanceof Class<?> cls)) {
                throw unsupported(t);
            }
            c = scalar(cls);
            if (c != null) {
                cache.put(t, c);
                return c;
            }
            if (cls.isEnum()) {
                Object[] constants = cls.getEnumConstants();
                definitions.put(cls.getName(), "enum " + cls.getName() + Arrays.toString(constants));
                c = new EnumCodec(constants);
            } else if (cls.isRecord()) {
                RecordCodec rc = new RecordCodec(cls);
                cache.put(t, rc); // before the components: a record may reach itself
                rc.init(this);
                return rc;
            } else if (cls.isInterface() && cls.isSealed()) {
                List<Class<?>> leaves = new ArrayList<>();
                collectLeaves(cls, leaves);
                leaves.sort(Comparator.comparing(Class::getName));
                UnionCodec uc = new UnionCodec(leaves);
                cache.put(t, uc);
                StringBuilder def = new StringBuilder("union ").append(cls.getName()).append(" {");
                for (Class<?> leaf : leaves) {
                    def.append(' ').append(leaf.getName());
                }
                definitions.put(cls.getName(), def.append(" }").toString());
                uc.init(this);
                return uc;
            } else {
                throw unsupported(t);
            }
            cache.put(t, c);
            return c;
        }

        private static IllegalStateException unsupported(Type t) {
            return new IllegalStateException("the wire codec has no encoder for " + t.getTypeName()
                    + "; add one in io.homeostat.jgroups.Schema");
        }
    }

    // ------------------------------------------------------------------------------------------------ scalar codecs

    private static ValueCodec scalar(Class<?> c) {
        if (c == int.class || c == Integer.class) {
            return INT;
        } else if (c == long.class || c == Long.class) {
            return LONG;
        } else if (c == boolean.class || c == Boolean.class) {
            return BOOLEAN;
        } else if (c == String.class) {
            return STRING;
        } else if (c == Key.class) {
            return KEY;
        } else if (c == Bytes.class) {
            return BYTES;
        } else if (c == RingId.class) {
            return RING_ID;
        } else if (c == byte.class || c == Byte.class) {
            return BYTE;
        } else if (c == short.class || c == Short.class) {
            return SHORT;
        } else if (c == char.class || c == Character.class) {
            return CHAR;
        } else if (c == double.class || c == Double.class) {
            return DOUBLE;
        } else if (c == float.class || c == Float.class) {
            return FLOAT;
        }
        return null;
    }

    static FrameDecodeException malformed(String why) {
        return new FrameDecodeException(Cause.MALFORMED, why);
    }

    static int zigzag(int v) {
        return (v << 1) ^ (v >> 31);
    }

    static int unzigzag(int v) {
        return (v >>> 1) ^ -(v & 1);
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static final ValueCodec INT = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeVarInt(zigzag((Integer) v));
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            return unzigzag(in.readVarInt());
        }
    };

    private static final ValueCodec LONG = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeVarLong(zigzag((Long) v));
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            return unzigzag(in.readVarLong());
        }
    };

    private static final ValueCodec BOOLEAN = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeByte((Boolean) v ? 1 : 0);
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int b = in.readByte();
            if (b > 1) {
                throw malformed("boolean byte " + b);
            }
            return b == 1;
        }
    };

    private static final ValueCodec BYTE = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeByte((Byte) v);
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            return (byte) in.readByte();
        }
    };

    private static final ValueCodec SHORT = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeVarInt(zigzag((int) (Short) v));
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int v = unzigzag(in.readVarInt());
            if (v != (short) v) {
                throw malformed("short out of range");
            }
            return (short) v;
        }
    };

    private static final ValueCodec CHAR = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeVarInt((Character) v);
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int v = in.readVarInt();
            if (v < 0 || v > Character.MAX_VALUE) {
                throw malformed("char out of range");
            }
            return (char) v;
        }
    };

    private static final ValueCodec DOUBLE = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeFixedLong(Double.doubleToRawLongBits((Double) v));
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            return Double.longBitsToDouble(in.readFixedLong());
        }
    };

    private static final ValueCodec FLOAT = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            out.writeVarInt(Float.floatToRawIntBits((Float) v));
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            return Float.intBitsToFloat(in.readVarInt());
        }
    };

    private static final ValueCodec STRING = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            String str = (String) v;
            if (str.length() <= l.maxStringBytes() && out.writeAsciiString(str)) {
                return; // the common case (endpoint names): no CharsetEncoder, no copies; the bytes are UTF-8
            }
            byte[] utf8;
            try {
                ByteBuffer bb = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap((String) v));
                utf8 = new byte[bb.remaining()];
                bb.get(utf8);
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("string is not valid Unicode (unpaired surrogate)", e);
            }
            if (utf8.length > l.maxStringBytes()) {
                throw new IllegalArgumentException("string of " + utf8.length + " bytes exceeds maxStringBytes="
                        + l.maxStringBytes());
            }
            out.writeVarInt(utf8.length);
            out.writeBytes(utf8);
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int n = in.readLength(l.maxStringBytes(), "string length");
            String ascii = in.readAsciiString(n);
            if (ascii != null) {
                return ascii; // all bytes below 0x80: valid UTF-8, and the same string
            }
            byte[] b = in.readBytes(n);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new FrameDecodeException(Cause.MALFORMED, "string is not valid UTF-8", e);
            }
        }
    };

    private static final ValueCodec KEY = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            byte[] b = ((Key) v).toBytes();
            out.writeVarInt(b.length);
            out.writeBytes(b);
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int n = in.readLength(Key.MAX_KEY_BYTES, "key length");
            return Key.ofOwned(in.readBytes(n)); // a fresh array: no second copy
        }
    };

    private static final ValueCodec BYTES = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            byte[] b = ((Bytes) v).toBytes();
            out.writeVarInt(b.length);
            out.writeBytes(b);
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int n = in.readLength(l.maxFrameBytes(), "value length");
            return Bytes.ofOwned(in.readBytes(n)); // a fresh array: no second copy
        }
    };

    /** Ring ids are uniformly random: two fixed 8-byte halves beat varints. */
    private static final ValueCodec RING_ID = new ValueCodec() {
        public void write(WireWriter out, Object v, Limits l) {
            RingId id = (RingId) v;
            out.writeFixedLong(id.hi());
            out.writeFixedLong(id.lo());
        }

        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            return new RingId(in.readFixedLong(), in.readFixedLong());
        }
    };

    // ---------------------------------------------------------------------------------------------- composite codecs

    private static void enter(int depth, Limits l) throws FrameDecodeException {
        if (depth > l.maxDepth()) {
            throw malformed("nesting deeper than maxDepth=" + l.maxDepth());
        }
    }

    private static final class ListCodec implements ValueCodec {
        private final ValueCodec element;

        ListCodec(ValueCodec element) {
            this.element = element;
        }

        @Override
        public void write(WireWriter out, Object v, Limits l) {
            List<?> list = (List<?>) v;
            if (list.size() > l.maxListLength()) {
                throw new IllegalArgumentException("list of " + list.size() + " elements exceeds maxListLength="
                        + l.maxListLength());
            }
            out.writeVarInt(list.size());
            for (Object e : list) {
                if (e == null) {
                    throw new IllegalArgumentException("lists in messages must not contain null");
                }
                element.write(out, e, l);
            }
        }

        @Override
        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            enter(depth, l);
            int n = in.readLength(l.maxListLength(), "list length");
            Object[] items = new Object[n];
            for (int i = 0; i < n; i++) {
                items[i] = element.read(in, l, depth + 1);
            }
            return List.of(items);
        }
    }

    private static final class EnumCodec implements ValueCodec {
        private final Object[] constants;

        EnumCodec(Object[] constants) {
            this.constants = constants;
        }

        @Override
        public void write(WireWriter out, Object v, Limits l) {
            out.writeVarInt(((Enum<?>) v).ordinal());
        }

        @Override
        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            int i = in.readVarInt();
            if (i < 0 || i >= constants.length) {
                throw malformed("enum ordinal " + Integer.toUnsignedString(i));
            }
            return constants[i];
        }
    }

    private static final class UnionCodec implements ValueCodec {
        private final List<Class<?>> leaves;
        private final Map<Class<?>, Integer> index = new HashMap<>();
        private ValueCodec[] codecs;

        UnionCodec(List<Class<?>> leaves) {
            this.leaves = leaves;
            for (int i = 0; i < leaves.size(); i++) {
                index.put(leaves.get(i), i);
            }
        }

        void init(Builder b) {
            codecs = new ValueCodec[leaves.size()];
            for (int i = 0; i < leaves.size(); i++) {
                codecs[i] = b.codecFor(leaves.get(i));
            }
        }

        @Override
        public void write(WireWriter out, Object v, Limits l) {
            int i = index.get(v.getClass());
            out.writeVarInt(i);
            codecs[i].write(out, v, l);
        }

        @Override
        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            enter(depth, l);
            int i = in.readVarInt();
            if (i < 0 || i >= codecs.length) {
                throw malformed("subtype index " + Integer.toUnsignedString(i));
            }
            return codecs[i].read(in, l, depth + 1);
        }
    }

    private static final class RecordCodec implements ValueCodec {
        private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);
        private static final MethodType SPREAD = MethodType.methodType(Object.class, Object[].class);

        private final Class<?> type;
        private MethodHandle[] accessors;
        private boolean[] nullable;
        private ValueCodec[] codecs;
        private MethodHandle constructor;

        RecordCodec(Class<?> type) {
            this.type = type;
        }

        void init(Builder b) {
            RecordComponent[] rc = type.getRecordComponents();
            accessors = new MethodHandle[rc.length];
            nullable = new boolean[rc.length];
            codecs = new ValueCodec[rc.length];
            Class<?>[] types = new Class<?>[rc.length];
            StringBuilder def = new StringBuilder("record ").append(type.getName()).append('(');
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            try {
                for (int i = 0; i < rc.length; i++) {
                    Method accessor = rc[i].getAccessor();
                    accessor.setAccessible(true);
                    accessors[i] = lookup.unreflect(accessor).asType(GETTER);
                    types[i] = rc[i].getType();
                    nullable[i] = !types[i].isPrimitive();
                    def.append(i == 0 ? "" : ", ").append(rc[i].getName()).append(": ")
                            .append(rc[i].getGenericType().getTypeName());
                }
                b.definitions.put(type.getName(), def.append(')').toString());
                Constructor<?> canonical = type.getDeclaredConstructor(types);
                canonical.setAccessible(true);
                constructor = lookup.unreflectConstructor(canonical).asSpreader(Object[].class, rc.length)
                        .asType(SPREAD);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot reflect on record " + type.getName(), e);
            }
            for (int i = 0; i < rc.length; i++) {
                codecs[i] = b.codecFor(rc[i].getGenericType());
            }
        }

        @Override
        public void write(WireWriter out, Object v, Limits l) {
            for (int i = 0; i < accessors.length; i++) {
                Object c;
                try {
                    c = accessors[i].invokeExact(v);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (nullable[i]) {
                    if (c == null) {
                        out.writeByte(0);
                        continue;
                    }
                    out.writeByte(1);
                }
                codecs[i].write(out, c, l);
            }
        }

        @Override
        public Object read(WireReader in, Limits l, int depth) throws FrameDecodeException {
            enter(depth, l);
            Object[] args = new Object[codecs.length];
            for (int i = 0; i < codecs.length; i++) {
                if (nullable[i]) {
                    int presence = in.readByte();
                    if (presence == 0) {
                        continue;
                    }
                    if (presence != 1) {
                        throw malformed("presence byte " + presence + " in " + type.getSimpleName());
                    }
                }
                args[i] = codecs[i].read(in, l, depth + 1);
            }
            try {
                return constructor.invokeExact(args);
            } catch (RuntimeException e) {
                throw new FrameDecodeException(Cause.MALFORMED, type.getSimpleName() + " rejected its decoded "
                        + "fields: " + e, e);
            } catch (Error e) {
                throw e;
            } catch (Throwable t) {
                throw new FrameDecodeException(Cause.MALFORMED, type.getSimpleName() + " could not be built", t);
            }
        }
    }

    /** For tests and diagnostics: the message records by type id. */
    Map<Integer, String> idTable() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < messageTypes.size(); i++) {
            m.put(i, messageTypes.get(i).getName());
        }
        return m;
    }
}
