-- The incident desk: one row per incident the shop handles (a card-data
-- breach, a tampered page, unauthorised access), its timeline of dated
-- events and the evidence files staff uploaded. The discovery time is when
-- the shop learned of it (知った時点): the regulator's and the acquirer's
-- clocks start there.
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    noticed       TEXT NOT NULL,           -- what was noticed, and by whom
    category      TEXT NOT NULL CHECK (category IN ('card_data', 'personal_data', 'tampering', 'unauthorised_access', 'other')),
    discovered_at TIMESTAMP NOT NULL,
    unauthorised  BOOLEAN NOT NULL DEFAULT FALSE, -- the cause may be unauthorised access: 60 days for the APPI final report
    state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_by     TEXT NOT NULL,
    opened_at     TIMESTAMP NOT NULL,
    closed_by     TEXT NOT NULL DEFAULT '',
    closed_at     TIMESTAMP
);
CREATE INDEX incidents_state ON incidents (state, discovered_at);

-- What happened and when, as staff recorded it. occurred_at is when it
-- happened (a police report filed yesterday), recorded_at when it was
-- written down; both are kept, and neither is ever changed.
CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind        TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, occurred_at);

-- Evidence files: kept in the database (never on a served path, never
-- executed, shared by every instance and every backup), named by the
-- SHA-256 taken on upload so that anyone can show a copy is unchanged.
CREATE TABLE incident_evidence (
    id          INTEGER PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    name        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    content     BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, sha256)
);
