-- The tamper monitor (PCI DSS 11.6.1). Numbered 0018: 0017 is taken by
-- the alerts branch written in parallel.
--
-- A baseline is a snapshot of the payment pages a person (or, for the
-- first run, the system) approved. The newest approved one is what every
-- run compares with; a difference that comes with a new release is kept
-- as the one pending candidate until a person approves it with a reason.
CREATE TABLE monitor_baselines (
    id              INTEGER PRIMARY KEY,
    snapshot        TEXT NOT NULL, -- monitor.Snapshot's JSON form
    digest          TEXT NOT NULL, -- of the snapshot
    manifest_digest TEXT NOT NULL, -- the release manifest it was taken under
    state           TEXT NOT NULL CHECK (state IN ('approved', 'pending')),
    created_at      TIMESTAMP NOT NULL,
    approved_by     TEXT NOT NULL DEFAULT '',
    approved_at     TIMESTAMP,
    reason          TEXT NOT NULL DEFAULT ''
);
-- At most one pending candidate: a newer one replaces it.
CREATE UNIQUE INDEX monitor_baselines_pending ON monitor_baselines (state) WHERE state = 'pending';

-- Every check, newest kept (the task prunes the oldest beyond a limit).
CREATE TABLE monitor_runs (
    id              INTEGER PRIMARY KEY,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    mode            TEXT NOT NULL, -- 'http' or 'browser'
    result          TEXT NOT NULL CHECK (result IN ('ok', 'different', 'blind')),
    differences     TEXT NOT NULL DEFAULT '[]', -- []monitor.Difference as JSON
    blind           TEXT NOT NULL DEFAULT '',   -- why the walk could not see a page
    snapshot_digest TEXT NOT NULL DEFAULT '',
    manifest_digest TEXT NOT NULL,
    baseline_id     BIGINT REFERENCES monitor_baselines (id)
);
