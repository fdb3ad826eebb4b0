-- A browser session, guest or member. Only a SHA-256 of the cookie value is
-- kept, so a copy of the database does not let anyone take over a session.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    member_id    BIGINT REFERENCES members (id) ON DELETE CASCADE,
    cart_id      TEXT,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);
