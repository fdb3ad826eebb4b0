-- The shop's own wording of an e-mail it sends to customers, replacing the
-- embedded default of that kind and language (internal/mailtext). No row:
-- the default. Subject and body are text/template source (plain text).
CREATE TABLE mail_texts (
    kind       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, locale)
);
