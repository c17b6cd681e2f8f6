package io.homeostat.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The in-memory {@link Storage}: per group, a sorted map for scans and a hash map for lookups (keys share long
 * prefixes, such as a JPA region's name, so each comparison of a sorted lookup walks that prefix again; a lookup is
 * what every read, lease, renewal and vote does). Lost on crash, by design of the failure model.
 */
public final class MemoryStorage implements Storage {

    /** One group's items, twice: hashed for lookups, sorted for scans. */
    private record Group(Map<Key, Item> byKey, NavigableMap<Key, Item> sorted) {
        Group() {
            this(new HashMap<>(), new TreeMap<>());
        }
    }

    private final Map<Integer, Group> groups = new HashMap<>();
    private long size;

    @Override
    public Item get(int group, Key key) {
        Group g = groups.get(group);
        return g == null ? null : g.byKey().get(key);
    }

    @Override
    public boolean putIfNewer(int group, Item item) {
        Group g = groups.computeIfAbsent(group, n -> new Group());
        Item old = g.byKey().get(item.key());
        if (old != null && !item.tag().isAfter(old.tag())) {
            return false;
        }
        if (old == null) {
            size++;
        }
        g.byKey().put(item.key(), item);
        g.sorted().put(item.key(), item);
        return true;
    }

    @Override
    public List<Item> scan(int group, Key after, int max) {
        Group g = groups.get(group);
        if (g == null) {
            return List.of();
        }
        NavigableMap<Key, Item> tail = after == null ? g.sorted() : g.sorted().tailMap(after, false);
        List<Item> out = new ArrayList<>(Math.min(max, tail.size()));
        for (Item i : tail.values()) {
            if (out.size() == max) {
                break;
            }
            out.add(i);
        }
        return out;
    }

    @Override
    public void drop(int group) {
        Group g = groups.remove(group);
        if (g != null) {
            size -= g.byKey().size();
        }
    }

    @Override
    public long size() {
        return size;
    }
}
