-- An order fully refunded after shipment is 'refunded' (返金済み): it is no
-- sale and nothing more is to ship. SQLite cannot alter a CHECK
-- constraint, and rebuilding orders would cascade into every table that
-- references it, so the constraint's text is widened in place (the
-- procedure SQLite documents for loosening a CHECK: every stored row still
-- satisfies it). RESET reloads this connection's schema; the ALTERs below
-- bump the schema cookie, which makes every other connection reload it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''delivered'', ''cancelled'')', '''delivered'', ''cancelled'', ''refunded'')')
WHERE type = 'table' AND name = 'orders';
PRAGMA writable_schema = RESET;

-- An event is a status change (kind '') or something that happens to an
-- order without changing its status: a partial refund. kind names the
-- event for the history, which is written from the catalogues in the
-- reader's language; amount is the money of a refund.
ALTER TABLE order_events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE order_events ADD COLUMN amount BIGINT NOT NULL DEFAULT 0;
