-- A member's request to change their e-mail address: the new address
-- waits here until the link sent to it is opened, so that an address
-- nobody can read never becomes an account's. Only a SHA-256 of the
-- link's token is kept.
CREATE TABLE member_email_changes (
    token_hash TEXT PRIMARY KEY,
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    new_email  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX member_email_changes_member ON member_email_changes (member_id);
CREATE INDEX member_email_changes_expires ON member_email_changes (expires_at);
