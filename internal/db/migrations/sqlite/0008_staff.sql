-- Staff who use the admin screens. There is no default password: an owner
-- adds a member of staff, who sets a password and a TOTP authenticator with
-- a one-time enrolment token. Until the authenticator is confirmed
-- (totp_confirmed_at) the account cannot log in.
CREATE TABLE staff (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE, -- lower-cased
    role              TEXT NOT NULL
        CHECK (role IN ('owner', 'manager', 'shipping', 'support', 'auditor')),
    password_hash     TEXT NOT NULL DEFAULT '', -- Argon2id PHC string; empty until enrolment
    -- The TOTP secret sealed with AES-256-GCM under the server's staff key,
    -- so that a copy of the database alone does not yield second factors.
    totp_secret       TEXT NOT NULL DEFAULT '',
    totp_confirmed_at TIMESTAMP,
    -- The last TOTP time step accepted: a code is used once only.
    totp_last_step    BIGINT NOT NULL DEFAULT 0,
    disabled_at       TIMESTAMP,
    last_login_at     TIMESTAMP,
    created_at        TIMESTAMP NOT NULL
);

-- One-time enrolment tokens (72 hours). Only a SHA-256 of the token is kept.
CREATE TABLE staff_enrolments (
    token_hash TEXT PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX staff_enrolments_staff ON staff_enrolments (staff_id);

-- Ten single-use recovery codes per enrolled account, SHA-256 only: each
-- holds 80 random bits, so a fast hash is enough.
CREATE TABLE staff_recovery_codes (
    id        INTEGER PRIMARY KEY,
    staff_id  BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    UNIQUE (staff_id, code_hash)
);

-- A login whose password was right and whose second factor is awaited
-- (five minutes). Only a SHA-256 of the token is kept.
CREATE TABLE staff_pending_logins (
    token_hash TEXT PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    ip         TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_pending_logins_staff ON staff_pending_logins (staff_id);

-- Admin sessions. Only a SHA-256 of the cookie value is kept; ua_hash binds
-- the session to the browser that logged in.
CREATE TABLE staff_sessions (
    id               INTEGER PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    staff_id         BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at       TIMESTAMP NOT NULL,
    last_seen_at     TIMESTAMP NOT NULL,
    second_factor_at TIMESTAMP NOT NULL,
    ip               TEXT NOT NULL,
    user_agent       TEXT NOT NULL, -- shortened, for the list of sessions
    ua_hash          TEXT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- The lock state per e-mail address typed at the login form, known or not,
-- so that the lock-out does not reveal which addresses are staff.
CREATE TABLE staff_login_locks (
    email           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL, -- since the last lock or success
    level           INTEGER NOT NULL, -- locks so far; each lasts longer
    locked_until    TIMESTAMP,
    last_failure_at TIMESTAMP NOT NULL
);

-- Every failed attempt, for the per-address throttle (password spraying
-- across many e-mail addresses) and for investigation.
CREATE TABLE staff_login_failures (
    id       INTEGER PRIMARY KEY,
    email    TEXT NOT NULL,
    staff_id BIGINT REFERENCES staff (id) ON DELETE SET NULL,
    ip       TEXT NOT NULL,
    at       TIMESTAMP NOT NULL
);
CREATE INDEX staff_login_failures_ip ON staff_login_failures (ip, at);
CREATE INDEX staff_login_failures_at ON staff_login_failures (at);

-- IP addresses each member of staff has logged in from; a login from a new
-- one is reported to the account holder by e-mail.
CREATE TABLE staff_known_ips (
    staff_id      BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    ip            TEXT NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (staff_id, ip)
);
