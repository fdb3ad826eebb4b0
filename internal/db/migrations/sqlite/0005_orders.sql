CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE, -- what the customer quotes
    member_id         BIGINT REFERENCES members (id),
    email             TEXT NOT NULL,
    locale            TEXT NOT NULL DEFAULT 'ja',
    status            TEXT NOT NULL CHECK (status IN
        ('awaiting_payment', 'placed', 'paid', 'shipped', 'delivered', 'cancelled')),
    payment_method    TEXT NOT NULL CHECK (payment_method IN ('bank_transfer', 'cod', 'card')),
    subtotal          BIGINT NOT NULL, -- items, tax included
    shipping_fee      BIGINT NOT NULL,
    cod_fee           BIGINT NOT NULL,
    total             BIGINT NOT NULL, -- what the customer pays
    tax_basis         TEXT NOT NULL,
    tax_rounding      TEXT NOT NULL,
    invoice_number    TEXT NOT NULL,   -- the shop's T + 13 digits at order time
    ship_name         TEXT NOT NULL,
    ship_name_kana    TEXT NOT NULL,
    ship_postal_code  TEXT NOT NULL,
    ship_prefecture   INTEGER NOT NULL CHECK (ship_prefecture BETWEEN 1 AND 47),
    ship_city         TEXT NOT NULL,
    ship_line1        TEXT NOT NULL,
    ship_line2        TEXT NOT NULL DEFAULT '',
    ship_phone        TEXT NOT NULL,
    delivery_date     TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD, or '' for earliest
    delivery_slot     TEXT NOT NULL DEFAULT '', -- '' for any time
    note              TEXT NOT NULL DEFAULT '', -- the customer's message to the shop
    access_token_hash TEXT NOT NULL,   -- SHA-256 of the token that shows a guest their order
    expires_at        TIMESTAMP,       -- unpaid card orders only
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX orders_member ON orders (member_id);
CREATE INDEX orders_status ON orders (status, created_at);

CREATE TABLE order_lines (
    id          INTEGER PRIMARY KEY,
    order_id    BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    variant_id  BIGINT NOT NULL REFERENCES variants (id),
    sku         TEXT NOT NULL,
    name        TEXT NOT NULL, -- product and variant as sold, in Japanese
    name_en     TEXT NOT NULL DEFAULT '', -- the same in English, for English mail
    tax_rate    INTEGER NOT NULL CHECK (tax_rate IN (8, 10)),
    unit_price  BIGINT NOT NULL, -- tax included
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    line_total  BIGINT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id);

-- The tax of each rate on the order, computed once per rate.
CREATE TABLE order_taxes (
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    rate     INTEGER NOT NULL CHECK (rate IN (8, 10)),
    taxable  BIGINT NOT NULL, -- tax excluded
    tax      BIGINT NOT NULL,
    PRIMARY KEY (order_id, rate)
);

-- Every status change, for the customer's history and the shop's records.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY,
    order_id    BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id);

-- A payment belongs to an order and has its own life. Card payments keep
-- the provider's reference, the brand and the last four digits, nothing more.
CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    method       TEXT NOT NULL CHECK (method IN ('bank_transfer', 'cod', 'card')),
    provider     TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('pending', 'requires_action', 'authorized',
        'captured', 'succeeded', 'declined', 'failed', 'cancelled', 'refunded', 'partially_refunded')),
    amount       BIGINT NOT NULL,
    refunded     BIGINT NOT NULL DEFAULT 0,
    provider_ref TEXT NOT NULL DEFAULT '',
    brand        TEXT NOT NULL DEFAULT '',
    last4        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);

-- A checkout retried with the same Idempotency-Key returns the same order.
-- key_hash is a SHA-256 of the client's key, and token_sealed the order's
-- access token sealed (AES-GCM) under another hash of that key: a replay
-- that presents the key gets the token back, a copy of the database does not.
-- order_id is set later in the transaction that inserts the row: inserting
-- the key first makes a concurrent duplicate wait on it and then fail.
CREATE TABLE idempotency_keys (
    key_hash     TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    order_id     BIGINT REFERENCES orders (id) ON DELETE CASCADE,
    token_sealed TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);

-- Order numbers are a date and a per-day sequence: K20261125-0001.
CREATE TABLE order_sequences (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
