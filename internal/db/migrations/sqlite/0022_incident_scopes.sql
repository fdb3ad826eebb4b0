-- An incident's scope: the query that finds the affected orders, saved on
-- the incident with its result. Refining the query saves a new version;
-- the older ones stay, so that the record shows how the scope was found.
-- query is the Query as JSON; orders and customers are the counts at save.
CREATE TABLE incident_scopes (
    id          INTEGER PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    version     INTEGER NOT NULL,
    query       TEXT NOT NULL,
    orders      INTEGER NOT NULL,
    customers   INTEGER NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at    TIMESTAMP NOT NULL,
    UNIQUE (incident_id, version)
);

-- The result of a version, frozen when it was saved: the notifications
-- and the exports use exactly this list even if an order changes later.
-- customer_key is the person the order was counted for (its e-mail
-- address lower-cased); payment_id the card attempt the order was found
-- by (its latest one matching the query), or NULL when it has none.
CREATE TABLE incident_scope_orders (
    scope_id     BIGINT NOT NULL REFERENCES incident_scopes (id),
    order_id     BIGINT NOT NULL REFERENCES orders (id),
    payment_id   BIGINT REFERENCES payments (id),
    customer_key TEXT NOT NULL,
    PRIMARY KEY (scope_id, order_id)
);
CREATE INDEX incident_scope_orders_customer ON incident_scope_orders (scope_id, customer_key);

-- Card reissue fees the shop pays back to affected customers, one row per
-- customer (customer_key as in incident_scope_orders) and incident.
CREATE TABLE incident_reimbursements (
    id           INTEGER PRIMARY KEY,
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    customer_key TEXT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount >= 0),
    state        TEXT NOT NULL CHECK (state IN ('requested', 'paid', 'declined')),
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (incident_id, customer_key)
);

-- The scope's count reads only this index (a covering range scan per
-- payment method over the window): with a million orders it is what keeps
-- a preview under 100 ms. The query always names the payment methods, all
-- of them when the staff chose none, so that the window is a range here.
-- id is in it for PostgreSQL (SQLite's indexes hold the rowid anyway), so
-- that a query that also looks at payments still reads no order row.
CREATE INDEX orders_scope ON orders (payment_method, created_at, email, id);
-- A query naming card providers or brands looks up each order's payment
-- attempts; with these columns in the index it never reads the table
-- (half the time on SQLite).
CREATE INDEX payments_scope ON payments (order_id, provider, brand);
