-- Card payments through a provider (the built-in test gateway or Stripe).
-- Kaede keeps the provider's reference, the brand and the last four digits
-- of a card, nothing else of it.

-- Each try at paying a card order is its own payments row: a declined
-- card is final at the provider, so a retry with another card is a new
-- provider payment (attempt 2, 3, …). The order shows its latest attempt.
ALTER TABLE payments ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE payments ADD COLUMN capture TEXT NOT NULL DEFAULT ''; -- automatic or manual, card only
ALTER TABLE payments ADD COLUMN captured BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN reason TEXT NOT NULL DEFAULT '';  -- the provider's decline code, for the shop only
ALTER TABLE payments ADD COLUMN redirect_url TEXT NOT NULL DEFAULT ''; -- the provider's page for this attempt
ALTER TABLE payments ADD COLUMN fraud_attempt BIGINT NOT NULL DEFAULT 0; -- the card-testing guard's attempt (fraud_attempts.id), 0 for none
CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_ref) WHERE provider_ref <> '';
CREATE UNIQUE INDEX payments_attempt ON payments (order_id, attempt);
-- The reconciliation job looks for card payments still open.
CREATE INDEX payments_open ON payments (method, state, created_at);
-- The expiry job looks for unpaid card orders past their time.
CREATE INDEX orders_expiry ON orders (status, expires_at);

-- Webhook events already applied, by the provider's event id: the same
-- event delivered twice changes nothing the second time.
CREATE TABLE payment_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    payment_ref TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- What the shop asked the provider to do after the customer paid: capture,
-- cancel, refund. idempotency_key is what the provider was sent, so that a
-- retried request never captures or refunds twice.
CREATE TABLE payment_operations (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('capture', 'cancel', 'refund')),
    amount          BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    staff           TEXT NOT NULL DEFAULT '', -- who asked; '' for the store itself (expiry)
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX payment_operations_payment ON payment_operations (payment_id);

-- A card order's confirmation e-mail, rendered when the order is placed and
-- held until the payment succeeds: only then is the order binding. It
-- moves to the outbox (mail_messages) in the transaction that records the
-- payment, and is deleted with an order that expires unpaid.
CREATE TABLE held_confirmations (
    order_id   BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
