-- The receipts (領収書) customers download for their orders, one row per
-- download, kept so that a copy can be made again byte for byte (the
-- addressee, the note and the time printed on it are here) and so that a
-- third download is refused: copy 1 is the original, copy 2 is stamped
-- 「再発行」, and there is no copy 3 (orderdoc.Receipts). Owned by
-- package orderdoc.
CREATE TABLE receipt_downloads (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    copy         INTEGER NOT NULL CHECK (copy IN (1, 2)),
    addressee    TEXT NOT NULL,
    note         TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (order_id, copy)
);
