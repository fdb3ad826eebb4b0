-- Card-testing defences (クレジットマスター対策). Each try at a card payment
-- is one row: when it started, from where, and what the provider said. The
-- session key and the e-mail address are kept only as SHA-256 hashes, since
-- counting needs equality and nothing more. Rows older than 48 hours are
-- pruned; the longest window is 24 hours.
CREATE TABLE fraud_attempts (
    id           INTEGER PRIMARY KEY,
    session_hash TEXT NOT NULL,
    ip           TEXT NOT NULL, -- an IPv4 address or an IPv6 /64
    email_hash   TEXT NOT NULL,
    -- pending until the provider reports; refused when the guard said no,
    -- in which case reason says which rule.
    outcome      TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'declined', 'failed', 'refused')),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    decided_at   TIMESTAMP
);
-- The per-session, per-IP and per-e-mail windows.
CREATE INDEX fraud_attempts_session ON fraud_attempts (session_hash, created_at);
CREATE INDEX fraud_attempts_ip ON fraud_attempts (ip, created_at);
CREATE INDEX fraud_attempts_email ON fraud_attempts (email_hash, created_at);
-- The site-wide breaker counts what the provider reported in a window.
CREATE INDEX fraud_attempts_decided ON fraud_attempts (decided_at);
-- Pruning and the monitoring counts.
CREATE INDEX fraud_attempts_created ON fraud_attempts (created_at);

-- Addresses refused card payments after too many declines in a row.
CREATE TABLE fraud_ip_blocks (
    ip            TEXT PRIMARY KEY,
    blocked_at    TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP NOT NULL
);

-- The site-wide breaker: one row. Every card attempt and every outcome
-- locks it, so that checks and the writes they lead to are serialised on
-- PostgreSQL as they already are on SQLite.
CREATE TABLE fraud_breaker (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    suspended_until TIMESTAMP,
    tripped_at      TIMESTAMP
);
INSERT INTO fraud_breaker (id) VALUES (1);
