package io.homeostat.node;

import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage.PositionOffer;
import io.homeostat.ring.RingMessage.PositionProbe;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A node that first asks the cluster where on the ring to stand, then runs a {@link HomeostatNode} there.
 *
 * <p>Each round it sends a {@link PositionProbe} to a few known addresses; the first member that answers with an offer
 * (see {@link PositionAdvisor}) decides the position. A node that knows nobody else starts a ring of its own at once at
 * a random position. Nodes that start together and find only each other, all still choosing, would otherwise wait for
 * ever: after {@code foundAfterRounds} rounds without an offer, the one with the lowest address among them founds a
 * ring at a random position, and the others then get offers from it; not if a member answered at all (without an
 * offer while its ring settles), since then a cluster exists to join. After {@code maxRounds} rounds a node founds a
 * ring regardless (ring merge joins it to the others later); every wait is bounded.
 *
 * <p>Until the position is chosen, messages for the node are dropped (their senders retry) and timers are not set.
 * Pure and single-threaded, like every protocol.
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

        /** 300 ms rounds; found after 3 quiet rounds, at the latest after 40 (12 s); 4 probes a round. */
        public static Config defaults() {
            return new Config(300, 3, 40, 4);
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
    private final Function<RingId, HomeostatNode> factory;
    private final Consumer<HomeostatNode> onStarted;
    /** Addresses that answered that they are still choosing too. */
    private final TreeSet<Address> starting = new TreeSet<>();
    /** A member answered without an offer (its ring is still settling): a cluster exists, so never found one early. */
    private boolean memberAnswered;
    private HomeostatNode node;
    private int round = -1;

    /**
     * @param factory   builds the node once its position is known
     * @param onStarted called on the event loop right after the node has started (may be null)
     */
    public BootstrappingNode(Address self, Config config, Function<RingId, HomeostatNode> factory,
            Consumer<HomeostatNode> onStarted) {
        this.self = self;
        this.config = config;
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
        List<Address> others = new ArrayList<>();
        for (Address a : env.knownAddresses()) {
            if (!a.equals(self) && !others.contains(a)) {
                others.add(a);
            }
        }
        if (others.isEmpty() && round == 0) {
            become(env, RingId.random(env.random()), null); // nobody else known: a new cluster
            return;
        }
        boolean lowestOfStarting = !memberAnswered && (starting.isEmpty() || self.compareTo(starting.first()) < 0);
        if (round >= config.maxRounds() || (round >= config.foundAfterRounds() && lowestOfStarting)) {
            become(env, RingId.random(env.random()), null);
            return;
        }
        for (int i = 0; i < config.probesPerRound() && !others.isEmpty(); i++) {
            Address target = others.remove(env.random().nextInt(others.size()));
            env.send(target, new PositionProbe(round));
        }
        env.setTimer(config.roundMillis(), new Round(round));
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
