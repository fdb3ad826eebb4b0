-- Escalation: when a critical event was still new after the settings'
-- escalation delay and all owners were e-mailed about it. Set once, so
-- that an event escalates once.
ALTER TABLE security_events ADD COLUMN escalated_at TIMESTAMP;

-- Where the audit-log watcher (internal/alert) has read up to: it raises
-- off-hours events for staff, role and settings changes exactly once each,
-- from the entries after last_id.
CREATE TABLE security_watch (
    name    TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);
