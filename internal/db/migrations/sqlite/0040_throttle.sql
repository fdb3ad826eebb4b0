-- What the shop counts to slow one client down (internal/throttle): orders
-- placed per client address, e-mail and session, unpaid orders shop-wide,
-- verification resends, carts created. One row per counted event; the
-- subject is a SHA-256 hash (of an address, an e-mail, a session key),
-- never the value itself. Prune deletes rows past the longest window.
CREATE TABLE throttle_events (
    id         INTEGER PRIMARY KEY,
    bucket     TEXT NOT NULL,  -- what is counted: order_ip, order_email, cart_ip, …
    subject    TEXT NOT NULL,  -- whose: a hash, or '' for the whole shop
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_events_window ON throttle_events (bucket, subject, created_at);
CREATE INDEX throttle_events_created ON throttle_events (created_at);

-- One row per bucket, locked by every check of it, so that checks and the
-- events they record are serialised across instances on PostgreSQL.
CREATE TABLE throttle_locks (
    bucket TEXT PRIMARY KEY
);
