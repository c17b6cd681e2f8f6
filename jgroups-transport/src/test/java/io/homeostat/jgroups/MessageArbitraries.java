package io.homeostat.jgroups;

import io.homeostat.replica.GroupView;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators for every engine message, derived from the records by reflection like the codec itself (so new fields
 * are generated without changes here), with hand-written generators only for value types whose constructors
 * validate ({@link Address}, {@link GroupView}) and for the non-record values.
 */
final class MessageArbitraries {

    private static final Map<Type, Arbitrary<?>> CACHE = new HashMap<>();

    private MessageArbitraries() {
    }

    static Arbitrary<Message> anyMessage() {
        List<Arbitrary<Message>> all = new ArrayList<>();
        for (Class<?> c : MessageCodec.messageTypes()) {
            all.add(forMessageType(c));
        }
        return Arbitraries.oneOf(all);
    }

    @SuppressWarnings("unchecked")
    static Arbitrary<Message> forMessageType(Class<?> c) {
        return (Arbitrary<Message>) forType(c);
    }

    static Arbitrary<Address> addresses() {
        Arbitrary<String> endpoints = Arbitraries.oneOf(Arbitraries.of("127.0.0.1:7800", "node-a", "-"),
                strings().ofMinLength(1));
        Arbitrary<Integer> vnodes = Arbitraries.oneOf(Arbitraries.integers().between(0, 8),
                Arbitraries.integers().greaterOrEqual(0));
        return Combinators.combine(endpoints, vnodes).as(Address::new);
    }

    private static net.jqwik.api.arbitraries.StringArbitrary strings() {
        return Arbitraries.strings().alpha().numeric().withChars("-:.#/é漢ß").ofMaxLength(24);
    }

    @SuppressWarnings("unchecked")
    private static Arbitrary<NodeRef> nodeRefs() {
        return (Arbitrary<NodeRef>) forType(NodeRef.class);
    }

    private static Arbitrary<Long> edgyLongs() {
        return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-300, 300),
                Arbitraries.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    private static Arbitrary<Integer> edgyInts() {
        return Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(-300, 300),
                Arbitraries.of(0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE));
    }

    static synchronized Arbitrary<?> forType(Type t) {
        Arbitrary<?> a = CACHE.get(t);
        if (a == null) {
            a = build(t);
            CACHE.put(t, a);
        }
        return a;
    }

    private static Arbitrary<?> build(Type t) {
        if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
            return forType(p.getActualTypeArguments()[0]).list().ofMaxSize(4);
        }
        Class<?> c = (Class<?>) t;
        if (c == int.class || c == Integer.class) {
            return edgyInts();
        } else if (c == long.class || c == Long.class) {
            return edgyLongs();
        } else if (c == boolean.class || c == Boolean.class) {
            return Arbitraries.of(true, false);
        } else if (c == String.class) {
            return strings();
        } else if (c == Key.class) {
            return Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(Key::of);
        } else if (c == Bytes.class) {
            return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                    Arbitraries.bytes().array(byte[].class).ofMinSize(1_000).ofMaxSize(5_000)).map(Bytes::of);
        } else if (c == RingId.class) {
            return Combinators.combine(edgyLongs(), edgyLongs()).as(RingId::new);
        } else if (c == Address.class) {
            return addresses();
        } else if (c == GroupView.class) {
            return Combinators.combine(edgyInts(), Arbitraries.longs().greaterOrEqual(1),
                    Arbitraries.of(1, 3, 5).flatMap(n -> nodeRefs().list().ofSize(n))).as(GroupView::new);
        } else if (c.isEnum()) {
            return Arbitraries.of(c.getEnumConstants());
        } else if (c.isInterface() && c.isSealed()) {
            List<Class<?>> leaves = new ArrayList<>();
            Schema.collectLeaves(c, leaves);
            List<Arbitrary<Object>> alts = new ArrayList<>();
            for (Class<?> leaf : leaves) {
                alts.add(forType(leaf).map(o -> (Object) o));
            }
            return Arbitraries.oneOf(alts);
        } else if (c.isRecord()) {
            return record(c);
        }
        throw new IllegalStateException("no generator for " + t.getTypeName());
    }

    private static Arbitrary<?> record(Class<?> c) {
        RecordComponent[] rc = c.getRecordComponents();
        Class<?>[] types = new Class<?>[rc.length];
        List<Arbitrary<Object>> parts = new ArrayList<>();
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            Arbitrary<Object> part = forType(rc[i].getGenericType()).map(o -> (Object) o);
            boolean nullable = !types[i].isPrimitive() && types[i] != List.class && types[i] != String.class
                    && types[i] != Address.class;
            parts.add(nullable ? part.injectNull(0.1) : part);
        }
        Constructor<?> ctor;
        try {
            ctor = c.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        if (rc.length == 0) {
            return Arbitraries.create(() -> construct(ctor, new Object[0])).filter(Objects::nonNull);
        }
        return Combinators.combine(parts).as(args -> construct(ctor, args.toArray())).filter(Objects::nonNull);
    }

    /** The record, or null if its constructor rejects the combination (filtered out). */
    private static Object construct(Constructor<?> ctor, Object[] args) {
        try {
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
