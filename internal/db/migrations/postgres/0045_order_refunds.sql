-- An order fully refunded after shipment is 'refunded' (返金済み): it is no
-- sale and nothing more is to ship.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN
    ('awaiting_payment', 'placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'));

-- An event is a status change (kind '') or something that happens to an
-- order without changing its status: a partial refund. kind names the
-- event for the history, which is written from the catalogues in the
-- reader's language; amount is the money of a refund.
ALTER TABLE order_events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE order_events ADD COLUMN amount BIGINT NOT NULL DEFAULT 0;
