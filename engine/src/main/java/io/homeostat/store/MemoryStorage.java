package io.homeostat.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The in-memory {@link Storage}: a sorted map per group. Lost on crash, by design of the failure model. */
public final class MemoryStorage implements Storage {

    private final Map<Integer, NavigableMap<Key, Item>> groups = new HashMap<>();
    private long size;

    @Override
    public Item get(int group, Key key) {
        NavigableMap<Key, Item> m = groups.get(group);
        return m == null ? null : m.get(key);
    }

    @Override
    public boolean putIfNewer(int group, Item item) {
        NavigableMap<Key, Item> m = groups.computeIfAbsent(group, g -> new TreeMap<>());
        Item old = m.get(item.key());
        if (old != null && !item.tag().isAfter(old.tag())) {
            return false;
        }
        if (old == null) {
            size++;
        }
        m.put(item.key(), item);
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
        if (m != null) {
            size -= m.size();
        }
    }

    @Override
    public long size() {
        return size;
    }
}
