-- Unpaid bank transfers (internal/order, unpaid.go): the reminder mailed
-- the day before the due date, and the automatic cancellation after the
-- due date and the grace period. One row per order and kind, written in
-- the transaction that sends the mail, so that each is sent once however
-- often, and on however many instances, the job runs. The cancelled rows
-- are also how the admin lists the orders cancelled this way.
CREATE TABLE order_unpaid_notices (
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('reminder', 'cancelled')),
    due_date TEXT NOT NULL, -- the payment's last day, YYYY-MM-DD (Japan time)
    sent_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, kind)
);
