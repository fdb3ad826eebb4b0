-- The shop's own memo on an order (ショップメモ): what staff need to remember
-- about it (a phone call, a promised date). Never shown to the customer.
-- One row per order, written whole each time; who wrote it last and when.
CREATE TABLE order_memos (
    order_id   BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
