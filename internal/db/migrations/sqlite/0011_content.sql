-- News posts (お知らせ) shown on the store: holidays, new products, price
-- changes. Bodies are plain text; the templates turn blank lines into
-- paragraphs, so no markup from the admin ever reaches a page.
CREATE TABLE news_posts (
    id           INTEGER PRIMARY KEY,
    title_ja     TEXT NOT NULL,
    title_en     TEXT NOT NULL DEFAULT '',
    body_ja      TEXT NOT NULL,
    body_en      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    -- The date the post carries; a published post appears on the store
    -- from this moment, so that a post can be scheduled.
    published_at TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
-- The store's list: published posts, newest first.
CREATE INDEX news_posts_published ON news_posts (status, published_at);
