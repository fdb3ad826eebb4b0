-- The shop's emergency switches (internal/switches): stop card payments,
-- stop checkout, put the store in maintenance. One row per switch that
-- has ever been set; a switch without a row is in its normal position
-- (card on, checkout on, maintenance off), so a fresh shop needs no seed.
-- Every change is also in the audit log (action "switch.set"), which is
-- where the admin reads the history.
CREATE TABLE switches (
    name       TEXT PRIMARY KEY CHECK (name IN ('card', 'checkout', 'maintenance')),
    is_on      BOOLEAN NOT NULL,
    banner     TEXT NOT NULL DEFAULT '', -- shown on every store page while the switch is in its emergency position (ja)
    banner_en  TEXT NOT NULL DEFAULT '', -- the same in English; empty shows the Japanese one
    reason     TEXT NOT NULL DEFAULT '', -- why, for staff only
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
