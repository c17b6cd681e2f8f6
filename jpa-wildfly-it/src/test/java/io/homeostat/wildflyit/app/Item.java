package io.homeostat.wildflyit.app;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;

/** A cached entity of the test application (READ_WRITE, the Homeostat factory's default access type). */
@Entity
@Cacheable
public class Item {

    @Id
    private Long id;

    private String name;

    protected Item() {
    }

    public Item(Long id, String name) {
        this.id = id;
        this.name = name;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
