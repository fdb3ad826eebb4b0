-- A browser session, guest or member. Only a SHA-256 of the cookie value is
-- kept, so a copy of the database does not let anyone take over a session.
-- A guest's row is written only when there is something to keep (a cart),
-- so that crawlers reading the catalogue write nothing.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    member_id    BIGINT REFERENCES members (id) ON DELETE CASCADE,
    cart_id      TEXT REFERENCES carts (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    -- Refreshed at most once a minute; expires_at = last_seen_at + the idle
    -- limit (30 days for members, 7 for guests).
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);
-- For the periodic purge of expired sessions.
CREATE INDEX sessions_expires ON sessions (expires_at);
