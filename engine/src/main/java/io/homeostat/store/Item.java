package io.homeostat.store;

/** One stored key: its tag and value; a null value is a deletion (kept as a tombstone so versions never go back). */
public record Item(Key key, Tag tag, Bytes value) {

    public boolean deleted() {
        return value == null;
    }
}
