package io.homeostat.wiki;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** A {@code [[Title]]} link in a page's current text; rebuilt on every save, read for backlinks. */
@Entity
@Table(name = "wiki_link", indexes = @Index(columnList = "target"))
public class PageLink {

    @Id
    @GeneratedValue
    private Long id;

    @ManyToOne(optional = false)
    @JoinColumn(name = "source_id")
    private Page source;

    @Column(nullable = false, length = Titles.MAX_LENGTH)
    private String target;

    protected PageLink() {
    }

    PageLink(Page source, String target) {
        this.source = source;
        this.target = target;
    }

    public Page getSource() {
        return source;
    }

    public String getTarget() {
        return target;
    }
}
