package io.homeostat.wiki;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;
import java.time.Instant;

/** One saved version of a page; never changed once written. */
@Entity
@Table(name = "wiki_revision", uniqueConstraints = @UniqueConstraint(columnNames = {"page_id", "number"}),
        indexes = @Index(columnList = "created"))
@Cacheable
public class Revision {

    @Id
    @GeneratedValue
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "page_id")
    private Page page;

    @Column(nullable = false)
    private int number;

    @Column(nullable = false, length = Page.MAX_BODY)
    private String body;

    @Column(nullable = false, length = 100)
    private String author;

    @Column(nullable = false, length = 200)
    private String summary;

    @Column(nullable = false)
    private Instant created;

    protected Revision() {
    }

    Revision(Page page, int number, String body, String author, String summary, Instant created) {
        this.page = page;
        this.number = number;
        this.body = body;
        this.author = author;
        this.summary = summary;
        this.created = created;
    }

    public Long getId() {
        return id;
    }

    public Page getPage() {
        return page;
    }

    public int getNumber() {
        return number;
    }

    public String getBody() {
        return body;
    }

    public String getAuthor() {
        return author;
    }

    public String getSummary() {
        return summary;
    }

    public Instant getCreated() {
        return created;
    }
}
