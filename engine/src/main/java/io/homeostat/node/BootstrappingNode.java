package io.homeostat.node;

import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage.PositionOffer;
import io.homeostat.ring.RingMessage.PositionProbe;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A node that first asks the cluster where on the ring to stand, then runs a {@link HomeostatNode} there.
 *
 * <p>Each round it sends a {@link PositionProbe} to the lowest known address that can answer (see {@link #targets});
 * the first member that answers with an offer (see {@link PositionAdvisor}) decides the position. The cluster's
 * founder, when it knows nobody else, starts a ring of its own at once at a random position. Nodes that start together
 * and find only each other, all still choosing, would otherwise wait for ever: after {@code foundAfterRounds} rounds
 * without an offer, the one with the lowest address among those that answered "starting" founds a ring at a random
 * position, and the others then get offers from it; not if a member answered at all (without an offer while its ring
 * settles), since then a cluster exists to join. After {@code maxRounds} rounds a node founds a ring regardless (ring
 * merge joins it to the others later); every wait is bounded.
 *
 * <p>A node that is not the founder never founds early merely because it sees nobody, or only silent addresses: it
 * joins an existing cluster, and its discovery may not show that cluster yet. A restarted JGroups member, for one,
 * can spend seconds in a view of its own before JGroups merges it back, while its former self (dead, but still in the
 * others' views) is the only address it hears of. Founding at a random position there would stand it wherever chance
 * puts it once the rings merge, and no later step moves it: some groups would keep two replicas on one node, whose
 * crash then takes their majority. So it keeps probing, up to {@code maxRounds}.
 *
 * <p>Until the position is chosen, messages for the node are dropped (their senders retry) and timers are not set. Pure
 * and single-threaded, like every protocol.
 */
public final class BootstrappingNode implements Protocol {

    /**
     * @param roundMillis      time between probe rounds
     * @param foundAfterRounds rounds without an offer before the lowest-addressed starting node founds a ring
     * @param maxRounds        rounds after which a node founds a ring whatever it heard
     * @param probesPerRound   addresses asked per round
     */
    public record Config(long roundMillis, int foundAfterRounds, int maxRounds, int probesPerRound) {
        public Config {
            if (roundMillis < 1 || foundAfterRounds < 1 || maxRounds < foundAfterRounds || probesPerRound < 1) {
                throw new IllegalArgumentException("need roundMillis >= 1, 1 <= foundAfterRounds <= maxRounds and "
                        + "probesPerRound >= 1, got " + this);
            }
        }

        /**
         * 300 ms rounds; found after 3 quiet rounds, at the latest after 150 (45 s); 4 probes a round. The bound covers
         * a restarted JGroups member whose discovery reached the survivors while their view still named its dead former
         * self as coordinator: JGroups puts it in a view of its own and merges it back only once FD_ALL3 has removed
         * the dead member and MERGE3 has run. Measured on the loopback stack: about 16 s after its start; the lan and
         * cloud stacks' slower MERGE3 (up to 15 s between rounds) can add 10 s more.
         */
        public static Config defaults() {
            return new Config(300, 3, 150, 4);
        }

        /**
         * These rounds, but at most about {@code millis} in all before founding regardless (never fewer rounds than
         * {@code foundAfterRounds}): for a caller whose own startup bound is shorter than the default wait.
         */
        public Config withMaxMillis(long millis) {
            long rounds = Math.max(foundAfterRounds, (millis + roundMillis - 1) / roundMillis);
            return new Config(roundMillis, foundAfterRounds, (int) Math.min(maxRounds, rounds), probesPerRound);
        }

        /** The longest a node can spend choosing its position. */
        public long maxMillis() {
            return roundMillis * maxRounds;
        }
    }

    /** Timer tag of a probe round. */
    record Round(int round) {
    }

    private final Address self;
    private final Config config;
    /** This node founds the cluster (its first start): it may start a ring at once when it knows nobody. */
    private final boolean founder;
    private final Function<RingId, HomeostatNode> factory;
    private final Consumer<HomeostatNode> onStarted;
    /** Addresses whose latest answer said they are still choosing too. */
    private final TreeSet<Address> starting = new TreeSet<>();
    /** Rounds in a row an address was asked and did not answer. */
    private final Map<Address, Integer> silentRounds = new HashMap<>();
    /** Asked in the current round, not answered yet. */
    private final Set<Address> awaiting = new TreeSet<>();
    /** A member answered without an offer (its ring is still settling): a cluster exists, so never found one early. */
    private boolean memberAnswered;
    private HomeostatNode node;
    private int round = -1;

    /**
     * @param founder   this is the founder's first start: with nobody else known it starts a ring at once
     * @param factory   builds the node once its position is known
     * @param onStarted called on the event loop right after the node has started (may be null)
     */
    public BootstrappingNode(Address self, Config config, boolean founder, Function<RingId, HomeostatNode> factory,
            Consumer<HomeostatNode> onStarted) {
        this.self = self;
        this.config = config;
        this.founder = founder;
        this.factory = factory;
        this.onStarted = onStarted;
    }

    /** The running node, or null while its position is still being chosen. */
    public HomeostatNode node() {
        return node;
    }

    @Override
    public void start(Environment env) {
        nextRound(env);
    }

    private void nextRound(Environment env) {
        round++;
        for (Address a : awaiting) {
            silentRounds.merge(a, 1, Integer::sum);
        }
        awaiting.clear();
        TreeSet<Address> sorted = new TreeSet<>(env.knownAddresses());
        sorted.remove(self);
        List<Address> others = new ArrayList<>(sorted);
        if (others.isEmpty() && round == 0 && founder) {
            become(env, RingId.random(env.random()), null); // nobody else known: a new cluster
            return;
        }
        // only the founder may count silence as "nobody else is starting": see the class comment
        boolean lowestOfStarting = !memberAnswered && (starting.isEmpty()
                ? founder : self.compareTo(starting.first()) < 0);
        if (round >= config.maxRounds() || (round >= config.foundAfterRounds() && lowestOfStarting)) {
            become(env, RingId.random(env.random()), null);
            return;
        }
        for (Address target : targets(others)) {
            awaiting.add(target);
            env.send(target, new PositionProbe(round));
        }
        env.setTimer(config.roundMillis(), new Round(round));
    }

    /**
     * Whom to ask this round. Every starting node asks the same member, the lowest address that answers and is not
     * starting itself, so that one member hands out (and reserves) the positions of nodes that start together:
     * members that each see a different part of a ring still settling would place two newcomers on one spot. Only
     * after {@code foundAfterRounds} more rounds, or when nobody qualifies, does it ask several.
     */
    private List<Address> targets(List<Address> others) {
        List<Address> candidates = new ArrayList<>();
        for (Address a : others) {
            if (!starting.contains(a) && silentRounds.getOrDefault(a, 0) < 2) {
                candidates.add(a);
            }
        }
        List<Address> pool = candidates.isEmpty() ? others : candidates;
        int n = candidates.isEmpty() || round >= 2 * config.foundAfterRounds() ? config.probesPerRound() : 1;
        return pool.subList(0, Math.min(n, pool.size()));
    }

    /** Starts the node at {@code position}; {@code offerer} is the member that proposed it (null: founded a ring). */
    private void become(Environment env, RingId position, Address offerer) {
        node = factory.apply(position);
        if (offerer != null) {
            node.placedBy(offerer);
        }
        node.start(env);
        if (onStarted != null) {
            onStarted.accept(node);
        }
    }

    @Override
    public void onMessage(Environment env, Address from, Message message) {
        if (node != null) {
            node.onMessage(env, from, message);
        } else if (message instanceof PositionProbe p) {
            env.send(from, new PositionOffer(p.requestId(), null, true));
        } else if (message instanceof PositionOffer o) {
            awaiting.remove(from);
            silentRounds.remove(from);
            starting.remove(from);
            if (o.offer() != null) {
                become(env, o.offer(), from);
            } else if (o.starting()) {
                starting.add(from);
            } else {
                memberAnswered = true;
            }
        }
    }

    @Override
    public void onTimer(Environment env, Object tag) {
        if (node != null) {
            if (!(tag instanceof Round)) {
                node.onTimer(env, tag);
            }
        } else if (tag instanceof Round r && r.round() == round) {
            nextRound(env);
        }
    }
}
