-- A parcel handed to a carrier for an order. An order usually has one;
-- the table allows more for an order split into several parcels.
CREATE TABLE shipments (
    id              INTEGER PRIMARY KEY,
    order_id        BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    carrier         TEXT NOT NULL CHECK (carrier IN ('yamato', 'sagawa', 'japanpost', 'other')),
    carrier_name    TEXT NOT NULL DEFAULT '', -- the carrier's name when carrier is 'other'
    tracking_number TEXT NOT NULL DEFAULT '', -- digits only for the three named carriers
    shipped_at      TIMESTAMP NOT NULL,
    created_by      TEXT NOT NULL,            -- the staff member who recorded it
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX shipments_order ON shipments (order_id);

-- Money returned to a customer. payments.refunded holds the running total;
-- each row here is one refund, who recorded it and, for a card refund made
-- through the provider, the provider's reference (unique, so that the same
-- provider refund cannot be recorded twice).
CREATE TABLE refunds (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    payment_id   BIGINT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    provider_ref TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id);
CREATE UNIQUE INDEX refunds_provider_ref ON refunds (provider_ref) WHERE provider_ref <> '';
