package io.homeostat.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.ReplicaMessage;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TxnMessage;
import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Messages and timer tags must be plain values: records of primitives, strings, value records, content-compared
 * {@link Key} and {@link Bytes}, and lists of them. No
 * enums, arrays or identity-hashed objects, whose hash codes differ between runs and would break trace digests and
 * replay.
 */
class MessageValueTest {

    private static final Set<Class<?>> LEAVES = Set.of(long.class, int.class, boolean.class, double.class,
            String.class, Long.class, Integer.class, Boolean.class);

    @Test
    void ringMessagesAreValues() {
        List<String> problems = new ArrayList<>();
        assertThat(RingMessage.class.getPermittedSubclasses()).hasSizeGreaterThanOrEqualTo(8);
        for (Class<?> c : RingMessage.class.getPermittedSubclasses()) {
            checkValue(c, c.getSimpleName(), problems);
        }
        for (Class<?> c : RingNode.Tick.class.getPermittedSubclasses()) {
            checkValue(c, c.getSimpleName(), problems);
        }
        assertThat(ReplicaMessage.class.getPermittedSubclasses()).hasSizeGreaterThanOrEqualTo(10);
        for (Class<?> c : ReplicaMessage.class.getPermittedSubclasses()) {
            checkValue(c, c.getSimpleName(), problems);
        }
        for (Class<?> c : ReplicaManager.ReplicaTick.class.getPermittedSubclasses()) {
            checkValue(c, c.getSimpleName(), problems);
        }
        for (Class<?> c : TxnMessage.class.getPermittedSubclasses()) {
            checkValue(c, c.getSimpleName(), problems);
        }
        for (Class<?> c : TransactionManager.TxTick.class.getPermittedSubclasses()) {
            checkValue(c, c.getSimpleName(), problems);
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theCheckCatchesAnEnum() {
        List<String> problems = new ArrayList<>();
        checkValue(Bad.class, "Bad", problems);
        assertThat(problems).hasSize(2);
    }

    enum Colour { RED }

    record Bad(Colour colour, byte[] bytes) {
    }

    private static void checkValue(Type t, String path, List<String> problems) {
        if (t instanceof ParameterizedType p) {
            if (p.getRawType() != List.class) {
                problems.add(path + ": only List is allowed as a generic container, not " + p);
                return;
            }
            checkValue(p.getActualTypeArguments()[0], path + "[]", problems);
            return;
        }
        Class<?> c = (Class<?>) t;
        if (LEAVES.contains(c) || c == RingId.class || c == Address.class || c == Key.class || c == Bytes.class) {
            return;
        }
        if (!c.isRecord()) {
            problems.add(path + ": " + c.getName() + " is not a record (enum, array or identity-hashed type)");
            return;
        }
        for (RecordComponent rc : c.getRecordComponents()) {
            checkValue(rc.getGenericType(), path + "." + rc.getName(), problems);
        }
    }
}
