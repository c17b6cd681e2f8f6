package io.homeostat.replica;

import io.homeostat.runtime.Address;
import io.homeostat.store.Key;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One replica's read leases in one group, and the writes waiting for them to be revoked.
 *
 * <p>A lease on a key promises its holder that this replica will not let the key change before the holder has been
 * told ({@code Revoke}) and answered, or the lease has expired. A write that would change a leased key is parked
 * here while the holders are told; it proceeds once every holder answered or every lease expired, so waiting is
 * bounded by the lease time. While a key has parked writes no new lease on it is granted.
 *
 * <p><b>Quarantine.</b> A member that takes over a position parks every write until the leases granted there by the
 * position's previous holder are known or have expired. If that holder is alive it hands its leases over
 * ({@link #handoff}); until then, or if it never answers, the quarantine awaiting it lasts one lease period. A
 * quarantine that nobody can lift (the previous holder is unknown, or views were missed) is
 * {@code quarantineUntilMillis}.
 *
 * <p>A quarantine awaiting a handoff covers only the positions taken over from that holder. A transaction's vote is per
 * position, and a write's acknowledgement names its positions, so a member that also holds older positions may vote
 * or acknowledge for those once its own leases are revoked, while the positions in quarantine wait for its end
 * ({@link #hold} with {@code positional}). That keeps a group
 * writable when a crashed node's position moves to a member that already held another one: the two positions that
 * were not taken over form the write's majority. Safe because a lease needs a majority of positions: every holder
 * whose lease could serve the old value has a grant from one of the voting positions, and that position revoked it
 * first. Quarantines that cover the whole member (views missed, a restart, one inherited from a predecessor) park
 * every vote.
 *
 * <p><b>Revocations and interest.</b> Each revocation carries a nonce, and only an answer naming the newest one sent to
 * that holder for that key counts: a duplicated, delayed answer to an earlier revocation must not end a lease granted
 * since. A holder that answered is remembered for a while as <em>interested</em> in the key, so that a later write
 * that asks for it can offer the holder the new value under a fresh lease ({@link #takeInterest}).
 *
 * <p>Part of a {@link ReplicaManager.Member}: single-threaded, no I/O of its own.
 */
final class LeaseTable {

    /** key -> holder -> expiry (this replica's clock). */
    private final Map<Key, Map<Address, Long>> leases = new HashMap<>();
    /** key -> writes waiting for its leases to end, in arrival order. */
    private final Map<Key, List<Parked>> parked = new HashMap<>();
    private final int maxLeases;
    private int leaseCount;
    private long quarantineUntilMillis = Long.MIN_VALUE;
    /**
     * Previous holders whose lease handoff lifts a quarantine: when that quarantine ends regardless, and the positions
     * it covers.
     */
    private final Map<Address, Awaited> awaiting = new HashMap<>();

    private record Awaited(long untilMillis, Set<Integer> positions) {
    }

    /**
     * A parked write; {@code positional}: it waits only for the whole-member quarantine, since it acts only for the
     * positions not in quarantine.
     */
    private record Parked(Runnable resume, boolean positional) {
    }
    /** key -> holder -> the nonce of the revocation sent it and not yet answered. */
    private final Map<Key, Map<Address, Long>> told = new HashMap<>();
    /**
     * key -> holder -> the tag of a write whose revocation the holder answered keeping its entry (as new as that write
     * or newer): its lease stands, but holds no write of that tag or an older one back. Forgotten with the lease.
     */
    private final Map<Key, Map<Address, io.homeostat.store.Tag>> kept = new HashMap<>();
    /** key -> holder -> the revocation it answered and when (bounded; the oldest keys go first). */
    private final Map<Key, Map<Address, Answered>> interest = new LinkedHashMap<>();

    /** A holder answered revocation {@code nonce} at {@code atMillis} (this replica's clock). */
    record Answered(long nonce, long atMillis) {
    }

    /** A holder to offer a key's new value to, naming the revocation it answered. */
    record Interest(Address holder, long nonce) {
    }

    LeaseTable(int maxLeases) {
        this.maxLeases = maxLeases;
    }

    /** Parks every write until {@code millis}, whatever arrives meanwhile. */
    void quarantineUntil(long millis) {
        quarantineUntilMillis = Math.max(quarantineUntilMillis, millis);
    }

    /**
     * Parks every write that acts for {@code positions} until {@code source} handed over its leases (see
     * {@link #handoff}) or until {@code millis}.
     */
    void awaitHandoff(Address source, long millis, Set<Integer> positions) {
        awaiting.merge(source, new Awaited(millis, Set.copyOf(positions)), (a, b) -> {
            Set<Integer> both = new TreeSet<>(a.positions());
            both.addAll(b.positions());
            return new Awaited(Math.max(a.untilMillis(), b.untilMillis()), both);
        });
    }

    /** Whether a handoff from {@code source} would still lift a quarantine at {@code nowMillis}. */
    boolean awaits(Address source, long nowMillis) {
        Awaited a = awaiting.get(source);
        if (a != null && a.untilMillis() <= nowMillis) {
            awaiting.remove(source);
            return false;
        }
        return a != null;
    }

    /**
     * The positions still in quarantine at {@code nowMillis} among {@code held}: all of them while a quarantine covers
     * the whole member, else those taken over from a holder whose handoff is still awaited.
     */
    Set<Integer> quarantined(Set<Integer> held, long nowMillis) {
        if (nowMillis < quarantineUntilMillis) {
            return held;
        }
        if (awaiting.isEmpty()) {
            return Set.of(); // the usual case: no allocation on the write path
        }
        Set<Integer> out = new TreeSet<>();
        for (Awaited a : awaiting.values()) {
            if (nowMillis < a.untilMillis()) {
                for (int i : a.positions()) {
                    if (held.contains(i)) {
                        out.add(i);
                    }
                }
            }
        }
        return out;
    }

    /** What is left at {@code nowMillis} of the quarantine a successor must inherit; 0 if it is over (or none). */
    long quarantineRemainingMillis(long nowMillis) {
        long end = quarantineEndMillis(); // Long.MIN_VALUE when there never was one: compare, never subtract first
        return end > nowMillis ? end - nowMillis : 0;
    }

    /** When the quarantine ends if no awaited handoff arrives. */
    long quarantineEndMillis() {
        long at = quarantineUntilMillis;
        for (Awaited a : awaiting.values()) {
            at = Math.max(at, a.untilMillis());
        }
        return at;
    }

    /** This replica's unexpired leases as durations from {@code nowMillis}; null if there are more than {@code max}. */
    List<ReplicaMessage.LeaseGrant> snapshot(long nowMillis, int max) {
        prune(nowMillis);
        if (leaseCount > max) {
            return null;
        }
        List<ReplicaMessage.LeaseGrant> out = new ArrayList<>();
        for (Map.Entry<Key, Map<Address, Long>> e : leases.entrySet()) {
            for (Map.Entry<Address, Long> h : e.getValue().entrySet()) {
                out.add(new ReplicaMessage.LeaseGrant(e.getKey(), h.getKey(), h.getValue() - nowMillis));
            }
        }
        return out;
    }

    /**
     * {@code source}, the previous holder of a position taken over here, handed over its leases and what was left of
     * its own quarantine: record them (counted from now, so they end no earlier here than there: the handoff was sent
     * before it arrived) and stop awaiting it. The caller then re-examines the parked writes ({@link #parkedKeys}).
     */
    void handoff(Address source, List<ReplicaMessage.LeaseGrant> grants, long quarantineRemainingMillis, long nowMillis,
            long maxMillis) {
        for (ReplicaMessage.LeaseGrant g : grants) {
            if (g.remainingMillis() <= 0) {
                continue;
            }
            long remaining = Math.min(g.remainingMillis(), maxMillis);
            // recorded even beyond maxLeases: dropping a lease someone holds would be unsafe (bounded by the sender)
            Map<Address, Long> holders = leases.computeIfAbsent(g.key(), k -> new HashMap<>());
            long expiry = nowMillis + remaining;
            Long before = holders.get(g.holder());
            if (before == null) {
                leaseCount++;
                holders.put(g.holder(), expiry);
            } else if (before < expiry) {
                holders.put(g.holder(), expiry);
            }
        }
        if (quarantineRemainingMillis > 0) {
            quarantineUntil(nowMillis + Math.min(quarantineRemainingMillis, maxMillis));
        }
        awaiting.remove(source);
    }

    /** Keys with parked writes. */
    List<Key> parkedKeys() {
        return new ArrayList<>(parked.keySet());
    }

    /** Current holders of leases on {@code key}. */
    List<Address> holders(Key key, long nowMillis) {
        expire(key, nowMillis);
        Map<Address, Long> holders = leases.get(key);
        return holders == null ? List.of() : new ArrayList<>(holders.keySet());
    }

    /** Records a lease unless writes to the key are waiting or the table is full; returns whether it did. */
    boolean grant(Key key, Address holder, long nowMillis, long leaseMillis) {
        if (parked.containsKey(key)) {
            return false;
        }
        Map<Address, Long> holders = leases.get(key);
        if (holders == null) {
            if (leaseCount >= maxLeases) {
                prune(nowMillis);
                if (leaseCount >= maxLeases) {
                    return false;
                }
            }
            holders = new HashMap<>();
            leases.put(key, holders);
        }
        if (holders.put(holder, nowMillis + leaseMillis) == null) {
            leaseCount++;
        }
        return true;
    }

    /**
     * Whether a write of tag {@code writing} (null: not known) that changes {@code key} must wait. If so,
     * {@code resume} is parked and runs once the key's leases no longer hold it back; the caller tells the returned
     * holders (empty if they were told already or only quarantine holds the write) and checks again at
     * {@link #recheckAtMillis}. A holder that answered an earlier revocation keeping an entry at least as new as
     * {@code writing} does not hold it back.
     */
    Hold hold(Key key, long nowMillis, io.homeostat.store.Tag writing, Runnable resume) {
        return hold(key, nowMillis, writing, resume, false);
    }

    /**
     * As {@link #hold(Key, long, io.homeostat.store.Tag, Runnable)}; {@code positional}: the write acts only for the
     * positions not in quarantine (see the class comment), so only a quarantine of the whole member holds it back.
     */
    Hold hold(Key key, long nowMillis, io.homeostat.store.Tag writing, Runnable resume, boolean positional) {
        expire(key, nowMillis);
        List<Address> blocking = blocking(key, writing);
        List<Parked> waiting = parked.get(key);
        if (blocking.isEmpty() && nowMillis >= quarantineEndMillis(positional) && !queuedAhead(waiting, positional)) {
            return null;
        }
        boolean first = waiting == null;
        if (first) {
            waiting = new ArrayList<>();
            parked.put(key, waiting);
        }
        waiting.add(new Parked(resume, positional));
        List<Address> tell = first ? blocking : List.of();
        return new Hold(tell, recheckAtMillis(key, nowMillis, positional));
    }

    /**
     * The holders whose leases on {@code key} a write of tag {@code writing} must revoke, for a transaction's vote that
     * goes before their answers ({@link TransactionManager}'s early vote): those {@link #hold} would tell, without
     * parking anything. Null when the vote must wait the usual way instead: writes are parked on the key already (they
     * keep their order), or a quarantine may hide leases this table does not know.
     */
    List<Address> blockingHolders(Key key, long nowMillis, io.homeostat.store.Tag writing) {
        if (parked.containsKey(key) || nowMillis < quarantineEndMillis()) {
            return null;
        }
        expire(key, nowMillis);
        return blocking(key, writing);
    }

    /**
     * The holders of unexpired leases on {@code key} that hold a write of tag {@code writing} back: all but those that
     * answered a revocation keeping an entry at least as new.
     */
    private List<Address> blocking(Key key, io.homeostat.store.Tag writing) {
        Map<Address, Long> holders = leases.get(key);
        List<Address> blocking = new ArrayList<>();
        if (holders != null) {
            Map<Address, io.homeostat.store.Tag> k = kept.get(key);
            for (Address h : holders.keySet()) {
                io.homeostat.store.Tag t = k == null ? null : k.get(h);
                if (t == null || writing == null || writing.isAfter(t)) {
                    blocking.add(h);
                }
            }
        }
        return blocking;
    }

    /**
     * Whether a write must queue behind parked ones to keep their order: any parked write for a write that waits for
     * every quarantine; only a positional one for a positional write (the others may be waiting for a quarantine that
     * does not hold it back).
     */
    private static boolean queuedAhead(List<Parked> waiting, boolean positional) {
        if (waiting == null) {
            return false;
        }
        if (!positional) {
            return true;
        }
        for (Parked p : waiting) {
            if (p.positional()) {
                return true;
            }
        }
        return false;
    }

    private long quarantineEndMillis(boolean positional) {
        return positional ? quarantineUntilMillis : quarantineEndMillis();
    }

    /** Holders to tell, and when to look again if they do not answer (the latest expiry, or the quarantine end). */
    record Hold(List<Address> revokeFrom, long recheckAtMillis) {
    }

    /** Revocation {@code nonce} of {@code key} is being sent to {@code holders}. */
    void told(Key key, List<Address> holders, long nonce) {
        if (holders.isEmpty()) {
            return;
        }
        Map<Address, Long> t = told.computeIfAbsent(key, k -> new HashMap<>());
        for (Address h : holders) {
            t.put(h, nonce);
        }
    }

    /**
     * The holder answered revocation {@code nonce}: if it is the newest one sent it for {@code key}, its lease is gone
     * and it is remembered as interested; or, with {@code keptEntry}, it already holds the write (or a later one), so
     * its lease stands but no longer holds the parked writes back. An answer to any other revocation changes nothing.
     * Returns the writes that may go on now.
     */
    List<Runnable> revoked(Key key, Address holder, long nonce, io.homeostat.store.Tag keptAt, long nowMillis) {
        Map<Address, Long> t = told.get(key);
        Long sent = t == null ? null : t.get(holder);
        if (sent == null || sent != nonce) {
            return release(key, nowMillis);
        }
        t.remove(holder);
        if (t.isEmpty()) {
            told.remove(key);
        }
        if (keptAt != null) {
            Map<Address, Long> holding = leases.get(key);
            if (holding != null && holding.containsKey(holder)) {
                kept.computeIfAbsent(key, k -> new HashMap<>()).put(holder, keptAt);
            }
            return release(key, nowMillis);
        }
        forgetKept(key, holder);
        Map<Address, Long> holders = leases.get(key);
        if (holders != null && holders.remove(holder) != null) {
            leaseCount--;
            if (holders.isEmpty()) {
                leases.remove(key);
            }
        }
        Map<Address, Answered> in = interest.remove(key); // re-inserted: the most recently answered key goes last
        if (in == null) {
            in = new HashMap<>();
            if (interest.size() >= maxLeases) {
                Iterator<Key> oldest = interest.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        in.put(holder, new Answered(nonce, nowMillis));
        interest.put(key, in);
        return release(key, nowMillis);
    }

    /**
     * The holders that answered a revocation of {@code key} within {@code maxAgeMillis}, each with the revocation's
     * nonce, forgotten here: a write that offers its value calls this once it is stored.
     */
    List<Interest> takeInterest(Key key, long nowMillis, long maxAgeMillis) {
        Map<Address, Answered> in = interest.remove(key);
        if (in == null) {
            return List.of();
        }
        List<Interest> out = new ArrayList<>();
        for (Map.Entry<Address, Answered> e : in.entrySet()) {
            if (nowMillis - e.getValue().atMillis() <= maxAgeMillis) {
                out.add(new Interest(e.getKey(), e.getValue().nonce()));
            }
        }
        out.sort(java.util.Comparator.comparing(Interest::holder)); // a deterministic order of sends
        return out;
    }

    /** Leases expire as time passes: returns the writes on {@code key} that may go on now. */
    List<Runnable> release(Key key, long nowMillis) {
        expire(key, nowMillis);
        List<Parked> waiting = parked.get(key);
        if (waiting == null || holdsBack(key)) {
            return List.of();
        }
        List<Runnable> out = new ArrayList<>();
        List<Parked> still = new ArrayList<>();
        for (Parked p : waiting) {
            if (nowMillis >= quarantineEndMillis(p.positional())) {
                out.add(p.resume());
            } else {
                still.add(p);
            }
        }
        if (out.isEmpty()) {
            return List.of();
        }
        told.remove(key); // the leases of holders that never answered have expired
        if (still.isEmpty()) {
            parked.remove(key);
        } else {
            parked.put(key, still);
        }
        return out;
    }

    /**
     * Whether a lease on {@code key} still holds its parked writes back: one whose holder was told and has not answered
     * yet, or that never answered a revocation keeping its entry (a lease handed over is told right after). Once none
     * does, the writes run again and each looks at the leases with its own tag ({@link #hold}): one of a later tag
     * than a holder kept starts the next round of revocations.
     */
    private boolean holdsBack(Key key) {
        Map<Address, Long> holders = leases.get(key);
        if (holders == null) {
            return false;
        }
        Map<Address, Long> waitingFor = told.get(key);
        Map<Address, io.homeostat.store.Tag> k = kept.get(key);
        for (Address h : holders.keySet()) {
            if ((waitingFor != null && waitingFor.containsKey(h)) || k == null || !k.containsKey(h)) {
                return true;
            }
        }
        return false;
    }

    private void forgetKept(Key key, Address holder) {
        Map<Address, io.homeostat.store.Tag> k = kept.get(key);
        if (k != null && k.remove(holder) != null && k.isEmpty()) {
            kept.remove(key);
        }
    }

    /** When a write parked on {@code key} should look again. */
    long recheckAtMillis(Key key, long nowMillis) {
        return recheckAtMillis(key, nowMillis, false);
    }

    private long recheckAtMillis(Key key, long nowMillis, boolean positional) {
        long at = Math.max(nowMillis, quarantineEndMillis(positional));
        Map<Address, Long> holders = leases.get(key);
        if (holders != null) {
            for (long expiry : holders.values()) {
                at = Math.max(at, expiry);
            }
        }
        return at;
    }

    private void expire(Key key, long nowMillis) {
        Map<Address, Long> holders = leases.get(key);
        if (holders == null) {
            return;
        }
        for (Iterator<Map.Entry<Address, Long>> it = holders.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Address, Long> e = it.next();
            if (e.getValue() <= nowMillis) {
                it.remove();
                leaseCount--;
                forgetKept(key, e.getKey());
            }
        }
        if (holders.isEmpty()) {
            leases.remove(key);
        }
    }

    private void prune(long nowMillis) {
        for (Key k : new ArrayList<>(leases.keySet())) {
            expire(k, nowMillis);
        }
    }
}
