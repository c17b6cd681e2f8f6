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

    private final Map<Integer, NavigableMap<Key, Item>> groups = new HashMap<>();
    private final Map<Integer, Map<Key, Item>> lookup = new HashMap<>();
    private long size;

    @Override
    public Item get(int group, Key key) {
        Map<Key, Item> m = lookup.get(group);
        return m == null ? null : m.get(key);
    }

    @Override
    public boolean putIfNewer(int group, Item item) {
        Map<Key, Item> byKey = lookup.computeIfAbsent(group, g -> new HashMap<>());
        Item old = byKey.get(item.key());
        if (old != null && !item.tag().isAfter(old.tag())) {
            return false;
        }
        if (old == null) {
            size++;
        }
        byKey.put(item.key(), item);
        groups.computeIfAbsent(group, g -> new TreeMap<>()).put(item.key(), item);
        return true;
    }

    @Override
    public List<Item> scan(int group, Key after, int max) {
        NavigableMap<Key, Item> m = groups.get(group);
        if (m == null) {
            return List.of();
        }
        NavigableMap<Key, Item> tail = after == null ? m : m.tailMap(after, false);
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
        NavigableMap<Key, Item> m = groups.remove(group);
        lookup.remove(group);
        if (m != null) {
            size -= m.size();
        }
    }

    @Override
    public long size() {
        return size;
    }
}
