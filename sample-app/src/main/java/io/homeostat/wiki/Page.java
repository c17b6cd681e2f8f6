package io.homeostat.wiki;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import org.hibernate.annotations.NaturalId;
import org.hibernate.annotations.NaturalIdCache;

/**
 * A wiki page: its unique title (immutable, the natural id, so a lookup by title is a second-level cache hit) and
 * its current text. Cached cluster-wide (read-write, the persistence unit's default); {@link #version} makes
 * concurrent edits fail instead of overwriting each other.
 */
@Entity
@Table(name = "wiki_page")
@Cacheable
@NaturalIdCache
public class Page {

    public static final int MAX_BODY = 100_000;

    @Id
    @GeneratedValue
    private Long id;

    @NaturalId
    @Column(nullable = false, unique = true, length = Titles.MAX_LENGTH)
    private String title;

    @Column(nullable = false, length = MAX_BODY)
    private String body;

    @Version
    private long version;

    @Column(nullable = false)
    private Instant updated;

    @Column(nullable = false, length = 100)
    private String author;

    /** Number of the latest revision (1 for a new page). */
    @Column(nullable = false)
    private int revisions;

    protected Page() {
    }

    Page(String title) {
        this.title = title;
    }

    public Long getId() {
        return id;
    }

    public String getTitle() {
        return title;
    }

    public String getBody() {
        return body;
    }

    public long getVersion() {
        return version;
    }

    public Instant getUpdated() {
        return updated;
    }

    public String getAuthor() {
        return author;
    }

    public int getRevisions() {
        return revisions;
    }

    void change(String newBody, String newAuthor, Instant when) {
        this.body = newBody;
        this.author = newAuthor;
        this.updated = when;
        this.revisions++;
    }
}
