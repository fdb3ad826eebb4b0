-- Monthly invoices (請求書払い) for business customers (internal/billing).
--
-- A member the shop has approved as a business customer (a clinic) may
-- order on account up to a credit limit. A member applies from my page
-- (status 'applied') or staff approve them directly; staff decide with
-- the limit in yen, and may suspend the account later.
CREATE TABLE billing_accounts (
    member_id    BIGINT PRIMARY KEY REFERENCES members (id),
    status       TEXT NOT NULL CHECK (status IN ('applied', 'approved', 'rejected', 'suspended')),
    company      TEXT NOT NULL,            -- the clinic's name, the invoice's 宛名
    credit_limit BIGINT NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    note         TEXT NOT NULL DEFAULT '', -- the reviewer's note
    reviewer     TEXT NOT NULL DEFAULT '',
    reviewed_at  TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- One consolidated qualified invoice (適格請求書) per customer and month.
-- document holds everything the PDF shows, as JSON written once at issue,
-- so that the PDF is made again with the same bytes whatever the shop's
-- settings become. stage is the last overdue reminder sent (0: none).
CREATE TABLE billing_invoices (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    member_id  BIGINT NOT NULL REFERENCES members (id),
    month      TEXT NOT NULL, -- YYYY-MM, the month of the orders
    email      TEXT NOT NULL,
    total      BIGINT NOT NULL,
    paid       BIGINT NOT NULL DEFAULT 0,
    issued_on  TEXT NOT NULL, -- YYYY-MM-DD (Japan time)
    due_on     TEXT NOT NULL, -- YYYY-MM-DD (Japan time)
    stage      INTEGER NOT NULL DEFAULT 0,
    document   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, month)
);
CREATE INDEX billing_invoices_due ON billing_invoices (due_on);

-- The orders an invoice bills; an order is billed once.
CREATE TABLE billing_invoice_orders (
    invoice_id BIGINT NOT NULL REFERENCES billing_invoices (id),
    order_id   BIGINT NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
    PRIMARY KEY (invoice_id, order_id)
);

-- Money received against an invoice, full or partial, as staff record it.
CREATE TABLE billing_payments (
    id          INTEGER PRIMARY KEY,
    invoice_id  BIGINT NOT NULL REFERENCES billing_invoices (id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    received_on TEXT NOT NULL, -- YYYY-MM-DD
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX billing_payments_invoice ON billing_payments (invoice_id);
