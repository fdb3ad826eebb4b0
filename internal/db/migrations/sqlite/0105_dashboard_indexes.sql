-- The dashboard sums the orders placed in a period (order.Summarize,
-- order.TakingsByDay) and the refunds made in one. With the status and
-- total in orders_created (the rowid, the order's id, is in every SQLite
-- index), the sums read the index and no order row; refunds_created does
-- the same for refunds, which were read whole.
DROP INDEX orders_created;
CREATE INDEX orders_created ON orders (created_at, status, total);
CREATE INDEX refunds_created ON refunds (created_at, amount);
