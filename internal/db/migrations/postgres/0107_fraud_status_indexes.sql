-- The shop-wide breaker's window (run in Allow, inside the transaction
-- every writer waits for) reads the newest declined or failed attempts by
-- decided_at: on the index of every decided attempt it walked past each
-- one that succeeded in the window first, a day's sales at the longest.
-- This index holds the failures only (with the outcome, so that SQLite
-- prefers it to the covering index below).
CREATE INDEX fraud_attempts_failed ON fraud_attempts (decided_at, outcome) WHERE outcome IN ('declined', 'failed');
-- The admin's card-testing status counts every attempt of each breaker
-- window by outcome, up to a day of them on every view of the security
-- page: with the outcome in the index the count reads the index alone,
-- not one table row per attempt.
DROP INDEX fraud_attempts_created;
CREATE INDEX fraud_attempts_created ON fraud_attempts (created_at, outcome);
DROP INDEX fraud_attempts_decided;
CREATE INDEX fraud_attempts_decided ON fraud_attempts (decided_at, outcome);
