-- The notification campaign of an incident: one per incident, the e-mail
-- template staff edit (subject and body, text/template) with the facts
-- both the e-mail and the letters are written from, and the recipients
-- taken from the incident's saved scope.
--
-- revision counts the edits of the template and the facts; sending to
-- customers needs tested_revision = revision, that is a test e-mail to
-- staff after the last edit.
CREATE TABLE incident_campaigns (
    id              INTEGER PRIMARY KEY,
    incident_id     BIGINT NOT NULL UNIQUE REFERENCES incidents (id),
    scope_id        BIGINT NOT NULL,            -- the saved scope the recipients were last taken from
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    facts           TEXT NOT NULL,              -- JSON: what happened, what leaked, cause, risk, requests, inquiry desk
    revision        INTEGER NOT NULL DEFAULT 1,
    tested_revision INTEGER NOT NULL DEFAULT 0,
    tested_by       TEXT NOT NULL DEFAULT '',
    tested_at       TIMESTAMP,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    sending_by      TEXT NOT NULL DEFAULT '',   -- who first sent it to customers
    sending_at      TIMESTAMP                   -- when; the template is frozen from then on
);

-- One row per distinct affected person (the scope's customer key, the
-- lower-cased e-mail address) per campaign: the UNIQUE key is what makes a
-- second run, or a refreshed scope, unable to add a second copy. The
-- customer's name, address and orders are copied from the scope, so that
-- the letters and a late re-run say what the first e-mails said.
--
-- email_state: pending (not yet handed to the outbox), then the outbox
-- message's state (queued, sent, outbox, failed), copied from mail as
-- delivery goes on. message_id is the outbox's mail_messages id; the
-- outbox row and this state change commit in one transaction.
CREATE TABLE incident_recipients (
    id           INTEGER PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES incident_campaigns (id),
    customer_key TEXT NOT NULL,
    email        TEXT NOT NULL,
    member_id    BIGINT NOT NULL DEFAULT 0,
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    prefecture   TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    line1        TEXT NOT NULL DEFAULT '',
    line2        TEXT NOT NULL DEFAULT '',
    orders       TEXT NOT NULL,               -- JSON: number, date, brand, last four, total (never more)
    letter       BOOLEAN NOT NULL DEFAULT TRUE,
    email_state  TEXT NOT NULL DEFAULT 'pending' CHECK (email_state IN ('pending', 'queued', 'sent', 'outbox', 'failed')),
    message_id   BIGINT,
    email_error  TEXT NOT NULL DEFAULT '',
    queued_at    TIMESTAMP,
    UNIQUE (campaign_id, customer_key)
);
CREATE INDEX incident_recipients_state ON incident_recipients (campaign_id, email_state);
