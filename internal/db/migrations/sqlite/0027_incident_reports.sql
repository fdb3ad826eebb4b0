-- Drafts of the reports to the Personal Information Protection Commission
-- (速報 and 確報), with the nine items of 施行規則 8条1項. Each save is a
-- new version; the newest is the draft, the older ones stay as history.
CREATE TABLE incident_reports (
    id          INTEGER PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind        TEXT NOT NULL CHECK (kind IN ('preliminary', 'final')),
    version     INTEGER NOT NULL,
    items       TEXT NOT NULL, -- a JSON object, the nine items
    saved_by    TEXT NOT NULL,
    saved_at    TIMESTAMP NOT NULL,
    UNIQUE (incident_id, kind, version)
);

-- The deadline reminders sent, one per incident, report and stage, so that
-- an hourly task never sends the same reminder twice.
CREATE TABLE incident_reminders (
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    code        TEXT NOT NULL,
    stage       TEXT NOT NULL CHECK (stage IN ('due_soon', 'overdue')),
    sent_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, code, stage)
);
