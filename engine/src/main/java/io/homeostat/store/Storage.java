package io.homeostat.store;

import java.util.List;

/**
 * A node's local store, one partition per replica group. In memory by default ({@link MemoryStorage}); a durable
 * backend implements the same interface. Called only from the node's event loop.
 */
public interface Storage {

    /** The item, or null if this node holds nothing for the key. */
    Item get(int group, Key key);

    /** Stores {@code item} if its tag is newer than what is stored; returns true if it did. */
    boolean putIfNewer(int group, Item item);

    /** Up to {@code max} items of a group with keys after {@code after} (null: from the start), in key order. */
    List<Item> scan(int group, Key after, int max);

    /** Forgets a group entirely (this node no longer holds any of its replicas). */
    void drop(int group);

    /** Items stored, over all groups. */
    long size();
}
