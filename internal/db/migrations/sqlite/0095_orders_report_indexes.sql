-- The dashboard and the sales reports read orders by when they were
-- placed, whatever their status (order.Sales, order.Summarize), and count
-- them by status and payment method (order.StateCounts): without these
-- indexes each read scans every order.
CREATE INDEX orders_created ON orders (created_at);
CREATE INDEX orders_status_method ON orders (status, payment_method);
