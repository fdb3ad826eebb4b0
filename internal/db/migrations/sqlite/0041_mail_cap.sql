-- The cap on e-mails to one recipient an hour (settings.Limits): rcpt is
-- the bare address, lower-cased, of every message written from now on, so
-- that the cap counts a recipient however its address was spelt. Older
-- messages keep '' and are not counted.
ALTER TABLE mail_messages ADD COLUMN rcpt TEXT NOT NULL DEFAULT '';
CREATE INDEX mail_messages_rcpt ON mail_messages (rcpt, created_at);

-- Messages the cap held back: what kind, for which order, to whom (a
-- SHA-256 of the address), when; never the body, which is what a mail
-- bomber wrote (the name on a guest order).
CREATE TABLE mail_capped (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    rcpt_hash  TEXT NOT NULL,
    order_id   BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_capped_created ON mail_capped (created_at);
