-- Security events: what the monitors and detectors noticed (a changed
-- payment page, a CSP violation, card testing, a suspicious staff login…),
-- one row per open (kind, target): a repeat raises the count and last_seen
-- instead of adding a row, so a noisy source cannot flood the table or the
-- people it alerts. A person acknowledges and then resolves each event;
-- both are audited.
CREATE TABLE security_events (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    source       TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    summary      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}', -- a JSON object
    state        TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'acknowledged', 'resolved')),
    count        BIGINT NOT NULL DEFAULT 1,
    first_seen   TIMESTAMP NOT NULL,
    last_seen    TIMESTAMP NOT NULL,
    acked_by     TEXT NOT NULL DEFAULT '',
    acked_at     TIMESTAMP,
    resolved_by  TEXT NOT NULL DEFAULT '',
    resolved_at  TIMESTAMP,
    note         TEXT NOT NULL DEFAULT ''
);
-- At most one open event per kind and target: Raise finds it by this.
CREATE UNIQUE INDEX security_events_open ON security_events (kind, target) WHERE state <> 'resolved';
-- The list, newest first, and the charts by hour.
CREATE INDEX security_events_last_seen ON security_events (last_seen);
