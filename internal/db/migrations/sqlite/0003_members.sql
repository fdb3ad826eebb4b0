CREATE TABLE members (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE, -- lower-cased
    password_hash     TEXT NOT NULL,        -- Argon2id, PHC string format
    name              TEXT NOT NULL,
    name_kana         TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    -- The language of the member's e-mails, chosen when they registered.
    locale            TEXT NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
    email_verified_at TIMESTAMP,
    -- none, pending, approved, rejected: derived from the member's licences
    -- (approved if any is approved, else pending if any awaits review…).
    practitioner      TEXT NOT NULL DEFAULT 'none'
        CHECK (practitioner IN ('none', 'pending', 'approved', 'rejected')),
    created_at        TIMESTAMP NOT NULL
);

-- One-time tokens sent by e-mail: address verification and password reset.
-- Only a SHA-256 of the token is kept.
CREATE TABLE member_tokens (
    token_hash TEXT PRIMARY KEY,
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX member_tokens_member ON member_tokens (member_id, purpose);

-- Failed logins per e-mail address (known or not, so that the lock does not
-- reveal which addresses have accounts), for the brute-force guard. Rows
-- older than the guard's window are deleted as new ones arrive.
CREATE TABLE member_login_failures (
    email TEXT NOT NULL,
    at    TIMESTAMP NOT NULL
);
CREATE INDEX member_login_failures_email ON member_login_failures (email, at);
CREATE INDEX member_login_failures_at ON member_login_failures (at);

CREATE TABLE addresses (
    id          INTEGER PRIMARY KEY,
    member_id   BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_kana   TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    prefecture  INTEGER NOT NULL CHECK (prefecture BETWEEN 1 AND 47),
    city        TEXT NOT NULL,
    line1       TEXT NOT NULL,
    line2       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX addresses_member ON addresses (member_id);

-- Practitioner licences (はり師, きゅう師, あん摩マッサージ指圧師, 医師…)
-- submitted by members; the shop's decision is recorded with who and when.
CREATE TABLE licences (
    id             INTEGER PRIMARY KEY,
    member_id      BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    licence_type   TEXT NOT NULL, -- a key of member.LicenceTypes: hari, kyu, …
    licence_number TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at   TIMESTAMP NOT NULL,
    reviewed_at    TIMESTAMP,
    reviewer       TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX licences_member ON licences (member_id);
CREATE INDEX licences_status ON licences (status, submitted_at);
