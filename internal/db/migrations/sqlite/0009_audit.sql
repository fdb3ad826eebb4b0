-- The append-only audit log: who did what to which thing, with the state
-- before and after as JSON (secrets redacted). Each entry's hash covers its
-- fields and the previous entry's hash, so that editing, inserting or
-- deleting an entry breaks the chain from that entry on.
--
-- Ids are assigned by audit.Append from audit_head, not by the database:
-- a sequence leaves gaps when a transaction rolls back, and a gap here must
-- mean a deleted entry.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL, -- staff e-mail, "system" or "cli"
    action      TEXT NOT NULL, -- e.g. staff.login, order.status
    target      TEXT NOT NULL, -- e.g. staff:3, order:1024
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    ip          TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- The chain's head: the last entry's id and hash. Appenders update this one
-- row first, which serialises them (PostgreSQL holds the row lock until the
-- appending transaction ends), and Verify compares it with the last entry,
-- so that deleting entries from the end is detected too.
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    hash    TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
