-- The public notice of an incident (お詫びとお知らせ): drafted by the
-- system from the incident's record, edited by staff, published on the
-- store at /notices/{incident id} and pinned on the top page while it is
-- published. Nothing here is ever deleted: each save of the notice's text
-- is a new version, each dated update (第2報, 第3報…) a new row, and a
-- withdrawn notice keeps all of them (the store then answers 410 Gone).
-- Texts are plain; the store's templates show their paragraphs escaped.
CREATE TABLE incident_notices (
    id                 INTEGER PRIMARY KEY,
    incident_id        BIGINT NOT NULL UNIQUE REFERENCES incidents (id),
    state              TEXT NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
    live_version       INTEGER NOT NULL DEFAULT 0, -- the version the store shows; 0 before the first publication
    first_published_at TIMESTAMP,                  -- the notice's date (第1報)
    withdrawn_at       TIMESTAMP,
    withdrawn_by       TEXT NOT NULL DEFAULT '',
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL
);
-- The top page reads the published ones.
CREATE INDEX incident_notices_state ON incident_notices (state);

-- Every text of the notice staff saved (or the system drafted), in
-- sections: the items a notice to the people concerned carries
-- (APPI rules art. 10: 概要, 漏えいした項目, 原因, 二次被害のおそれ,
-- その他 — here the measures taken and the inquiry desk). Japanese is
-- required, English optional.
CREATE TABLE incident_notice_versions (
    id           INTEGER PRIMARY KEY,
    notice_id    BIGINT NOT NULL REFERENCES incident_notices (id),
    version      INTEGER NOT NULL,
    title_ja     TEXT NOT NULL,
    title_en     TEXT NOT NULL DEFAULT '',
    summary_ja   TEXT NOT NULL,
    summary_en   TEXT NOT NULL DEFAULT '',
    items_ja     TEXT NOT NULL,
    items_en     TEXT NOT NULL DEFAULT '',
    cause_ja     TEXT NOT NULL,
    cause_en     TEXT NOT NULL DEFAULT '',
    risk_ja      TEXT NOT NULL,
    risk_en      TEXT NOT NULL DEFAULT '',
    measures_ja  TEXT NOT NULL DEFAULT '',
    measures_en  TEXT NOT NULL DEFAULT '',
    contact_ja   TEXT NOT NULL,
    contact_en   TEXT NOT NULL DEFAULT '',
    saved_by     TEXT NOT NULL,
    saved_at     TIMESTAMP NOT NULL,
    published_at TIMESTAMP, -- when this version first went live; NULL if it never did
    UNIQUE (notice_id, version)
);

-- The dated updates appended to a published notice, numbered as Japanese
-- notices number them: the notice itself is 第1報, the first update 第2報.
-- A reopening announcement is one of them.
CREATE TABLE incident_notice_updates (
    id           INTEGER PRIMARY KEY,
    notice_id    BIGINT NOT NULL REFERENCES incident_notices (id),
    number       INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('update', 'reopening')),
    title_ja     TEXT NOT NULL,
    title_en     TEXT NOT NULL DEFAULT '',
    body_ja      TEXT NOT NULL,
    body_en      TEXT NOT NULL DEFAULT '',
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    UNIQUE (notice_id, number)
);
