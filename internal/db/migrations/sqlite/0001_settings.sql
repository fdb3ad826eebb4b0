-- Shop settings as key/value pairs; values are JSON so that one row can
-- hold a structured setting (shipping fees per prefecture, bank details).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Pages whose text the shop edits: the 特定商取引法 notice, privacy, terms.
-- Bodies are plain text, rendered through templates, never raw HTML.
CREATE TABLE content_pages (
    slug       TEXT PRIMARY KEY,
    title_ja   TEXT NOT NULL,
    body_ja    TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
