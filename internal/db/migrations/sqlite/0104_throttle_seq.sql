-- Each event numbers itself within its bucket and subject (seq, 1, 2, …),
-- so that a window's check finds the Max-th newest event by its number
-- with one index seek instead of walking Max entries of the index: a
-- shop-wide limit raised to thousands for a sale cost every order a walk
-- of thousands inside the transaction every writer waits for. Existing
-- events are numbered in the order they happened.
ALTER TABLE throttle_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE throttle_events SET seq = n.rn
FROM (SELECT id, row_number() OVER (PARTITION BY bucket, subject ORDER BY created_at, id) AS rn
      FROM throttle_events) AS n
WHERE n.id = throttle_events.id;
DROP INDEX throttle_events_window;
CREATE UNIQUE INDEX throttle_events_seq ON throttle_events (bucket, subject, seq);
