-- Passkeys (WebAuthn credentials) as a second factor for staff, an
-- alternative to TOTP. An account is enrolled (staff.totp_confirmed_at,
-- which from here on means "a second factor was confirmed") once either a
-- TOTP code or a passkey has been confirmed.
CREATE TABLE staff_passkeys (
    id              INTEGER PRIMARY KEY,
    staff_id        BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    credential_id   TEXT NOT NULL UNIQUE,  -- base64url, as the browser names it
    public_key      TEXT NOT NULL,         -- base64url COSE key
    sign_count      BIGINT NOT NULL DEFAULT 0,
    transports      TEXT NOT NULL DEFAULT '', -- comma-separated hints for the browser
    -- Flags the WebAuthn library checks again at every use.
    user_verified   BOOLEAN NOT NULL DEFAULT FALSE,
    backup_eligible BOOLEAN NOT NULL DEFAULT FALSE,
    backup_state    BOOLEAN NOT NULL DEFAULT FALSE,
    aaguid          TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_used_at    TIMESTAMP
);
CREATE INDEX staff_passkeys_staff ON staff_passkeys (staff_id);

-- A WebAuthn ceremony under way: the challenge and what the library needs
-- to check the answer, bound to the enrolment token, pending login or
-- session it was started for (SHA-256 only), used once, five minutes.
CREATE TABLE staff_webauthn_challenges (
    purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'reauth')),
    token_hash TEXT NOT NULL,
    staff_id   BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    data       TEXT NOT NULL, -- the library's SessionData as JSON
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (purpose, token_hash)
);
CREATE INDEX staff_webauthn_challenges_staff ON staff_webauthn_challenges (staff_id);
