-- The dashboard sums the orders placed in a period (order.Summarize,
-- order.TakingsByDay) and the refunds made in one. With the status, total
-- and id in orders_created, the sums can be index-only scans; refunds_created
-- does the same for refunds, which were read whole.
DROP INDEX orders_created;
CREATE INDEX orders_created ON orders (created_at, status, total, id);
CREATE INDEX refunds_created ON refunds (created_at, amount);
