package io.homeostat.bench.l2;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/**
 * The benchmark's one entity: cached READ_WRITE, with a {@code @Version} so that an update made from a stale copy
 * fails (optimistic lock) instead of silently overwriting a newer row. {@code counter} is what updates change and
 * what the stale-read probe compares.
 */
@Entity
@Table(name = "bench_item")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class Item {

    @Id
    private Long id;

    @Version
    private long version;

    private long counter;

    @Column(length = 120)
    private String payload;

    protected Item() {
    }

    public Long getId() {
        return id;
    }

    public long getVersion() {
        return version;
    }

    public long getCounter() {
        return counter;
    }

    public void setCounter(long counter) {
        this.counter = counter;
    }

    public String getPayload() {
        return payload;
    }
}
