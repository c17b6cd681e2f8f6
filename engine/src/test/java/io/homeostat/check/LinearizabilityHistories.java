package io.homeostat.check;

import io.homeostat.check.Operation.Kind;
import io.homeostat.check.Operation.Outcome;
import io.homeostat.check.Operation.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Test support: histories produced by simulating a real, atomic register. Clients issue operations one after another
 * with random think times and durations; each operation that takes effect is applied atomically at a random instant
 * inside its interval (an operation of unknown outcome may take effect at any later instant, or not at all), and its
 * recorded result is what the register returned at that instant. Every such history is linearizable by construction.
 */
final class LinearizabilityHistories {

    private LinearizabilityHistories() {
    }

    /**
     * What to generate.
     *
     * @param keys        number of keys
     * @param clients     number of concurrent clients
     * @param operations  total number of operations
     * @param maxDuration the longest interval
     * @param maxThink    the longest pause between a client's operations
     * @param pUnknown    probability that an operation's outcome is unknown
     * @param pFail       probability that an operation fails cleanly
     * @param domain      0: every written value is unique; otherwise values are drawn from this many
     * @param pDelete     probability that a write is a delete
     * @param pCas        probability that an operation is a CAS
     */
    record Params(int keys, int clients, int operations, int maxDuration, int maxThink, double pUnknown,
            double pFail, int domain, double pDelete, double pCas) {

        static Params small() {
            return new Params(2, 3, 30, 20, 5, 0.05, 0.05, 0, 0.05, 0.2);
        }
    }

    /** A planned operation, before the register has produced its result. */
    private static final class Planned {
        long client;
        String key;
        Kind kind;
        Value value;
        Value expected;
        boolean swapped;
        Outcome outcome;
        long invokedAt;
        long respondedAt;
        boolean takesEffect;
        long at;
        long tiebreak;
        Value result;

        Operation toOperation() {
            return switch (kind) {
                case READ -> new Operation(client, key, kind, result, null, false, outcome, invokedAt, respondedAt);
                case WRITE -> new Operation(client, key, kind, value, null, false, outcome, invokedAt, respondedAt);
                case CAS -> new Operation(client, key, kind, value, expected, swapped, outcome, invokedAt,
                        respondedAt);
            };
        }
    }

    /** A linearizable history, in a shuffled order. */
    static List<Operation> simulate(SplittableRandom rnd, Params p) {
        long[] clientTime = new long[p.clients()];
        Map<String, List<Value>> generated = new HashMap<>();
        List<Planned> planned = new ArrayList<>();
        int unique = 0;
        for (int i = 0; i < p.operations(); i++) {
            int c = rnd.nextInt(p.clients());
            Planned op = new Planned();
            op.client = c;
            op.key = "k" + rnd.nextInt(p.keys());
            op.invokedAt = clientTime[c] + rnd.nextInt(p.maxThink() + 1);
            long duration = rnd.nextInt(p.maxDuration() + 1);
            op.respondedAt = op.invokedAt + duration;
            double r = rnd.nextDouble();
            op.outcome = r < p.pUnknown() ? Outcome.UNKNOWN : r < p.pUnknown() + p.pFail() ? Outcome.FAIL : Outcome.OK;
            List<Value> seen = generated.computeIfAbsent(op.key, k -> new ArrayList<>());
            double k = rnd.nextDouble();
            if (k < p.pCas()) {
                op.kind = Kind.CAS;
                op.value = fresh(rnd, p, unique++);
                op.expected = rnd.nextInt(4) == 0 || seen.isEmpty() ? pick(rnd, p, seen)
                        : seen.get(seen.size() - 1 - rnd.nextInt(Math.min(2, seen.size())));
                seen.add(op.value);
            } else if (k < p.pCas() + (1 - p.pCas()) / 2) {
                op.kind = Kind.WRITE;
                op.value = rnd.nextDouble() < p.pDelete() ? Value.ABSENT : fresh(rnd, p, unique++);
                seen.add(op.value);
            } else {
                op.kind = Kind.READ;
            }
            switch (op.outcome) {
                case OK -> {
                    op.takesEffect = true;
                    op.at = op.invokedAt + rnd.nextLong(duration + 1);
                    clientTime[c] = op.respondedAt;
                }
                case FAIL -> {
                    op.takesEffect = false;
                    op.result = Value.of("garbage-" + unique++);
                    op.swapped = rnd.nextBoolean();
                    clientTime[c] = op.respondedAt;
                }
                case UNKNOWN -> {
                    op.takesEffect = op.kind != Kind.READ && rnd.nextBoolean();
                    op.at = op.invokedAt + rnd.nextLong(4L * p.maxDuration() + 1);
                    op.result = Value.of("garbage-" + unique++);
                    op.swapped = rnd.nextBoolean();
                    clientTime[c] = op.respondedAt;
                    if (rnd.nextBoolean()) {
                        op.respondedAt = Operation.NEVER;
                    }
                }
                default -> throw new AssertionError(op.outcome);
            }
            op.tiebreak = rnd.nextLong();
            planned.add(op);
        }
        List<Planned> effective = planned.stream().filter(o -> o.takesEffect)
                .sorted(Comparator.comparingLong((Planned o) -> o.at).thenComparingLong(o -> o.tiebreak)).toList();
        Map<String, Value> register = new HashMap<>();
        for (Planned op : effective) {
            Value now = register.getOrDefault(op.key, Value.ABSENT);
            switch (op.kind) {
                case READ -> op.result = now;
                case WRITE -> register.put(op.key, op.value);
                case CAS -> {
                    op.swapped = now.equals(op.expected);
                    if (op.swapped) {
                        register.put(op.key, op.value);
                    }
                }
                default -> throw new AssertionError(op.kind);
            }
        }
        List<Operation> out = new ArrayList<>(planned.size());
        for (Planned op : planned) {
            out.add(op.toOperation());
        }
        shuffle(rnd, out);
        return out;
    }

    private static Value fresh(SplittableRandom rnd, Params p, int unique) {
        return p.domain() == 0 ? Value.of("v" + unique) : Value.of("v" + rnd.nextInt(p.domain()));
    }

    private static Value pick(SplittableRandom rnd, Params p, List<Value> seen) {
        if (p.domain() > 0) {
            return rnd.nextInt(p.domain() + 1) == 0 ? Value.ABSENT : Value.of("v" + rnd.nextInt(p.domain()));
        }
        return seen.isEmpty() || rnd.nextBoolean() ? Value.ABSENT : seen.get(rnd.nextInt(seen.size()));
    }

    static <T> void shuffle(SplittableRandom rnd, List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /**
     * Brute force, for small histories: tries every order of the completed operations plus any subset of the
     * uncertain writes and CASes, respecting real time. Exponential; only for a handful of operations.
     */
    static boolean bruteForceLinearizable(List<Operation> history) {
        Map<String, List<Operation>> byKey = new HashMap<>();
        for (Operation op : history) {
            boolean ignored = op.outcome() == Outcome.FAIL
                    || (op.outcome() == Outcome.UNKNOWN && op.kind() == Kind.READ);
            if (!ignored) {
                byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        for (List<Operation> ops : byKey.values()) {
            if (ops.size() > 20) {
                throw new IllegalArgumentException("brute force is for small histories");
            }
            if (!search(ops, 0, Value.ABSENT, new HashSet<>())) {
                return false;
            }
        }
        return true;
    }

    private record Failed(int used, Value state) {
    }

    /** Depth-first over every next operation; {@code failed} remembers (used set, value) pairs with no way out. */
    private static boolean search(List<Operation> ops, int used, Value state, Set<Failed> failed) {
        boolean done = true;
        for (int i = 0; i < ops.size(); i++) {
            if ((used & (1 << i)) == 0 && ops.get(i).outcome() == Outcome.OK) {
                done = false;
            }
        }
        if (done) {
            return true;
        }
        if (failed.contains(new Failed(used, state))) {
            return false;
        }
        for (int i = 0; i < ops.size(); i++) {
            if ((used & (1 << i)) != 0) {
                continue;
            }
            Operation x = ops.get(i);
            boolean blocked = false;
            for (int j = 0; j < ops.size(); j++) {
                Operation y = ops.get(j);
                if ((used & (1 << j)) == 0 && j != i && y.outcome() == Outcome.OK
                        && y.respondedAt() < x.invokedAt()) {
                    blocked = true;
                }
            }
            if (blocked) {
                continue;
            }
            Value next;
            boolean eq = Objects.equals(state, x.expected());
            switch (x.kind()) {
                case READ -> next = state.equals(x.value()) ? state : null;
                case WRITE -> next = x.value();
                case CAS -> {
                    if (x.outcome() == Outcome.UNKNOWN) {
                        next = eq ? x.value() : state;
                    } else if (x.casSucceeded()) {
                        next = eq ? x.value() : null;
                    } else {
                        next = eq ? null : state;
                    }
                }
                default -> throw new AssertionError(x.kind());
            }
            if (next == null) {
                continue;
            }
            if (search(ops, used | (1 << i), next, failed)) {
                return true;
            }
        }
        failed.add(new Failed(used, state));
        return false;
    }
}
