-- An incident scope that names a product (incident.Query.sql) reads the
-- product's order lines by variant: a few percent of the lines, where
-- without this index it read all of them.
CREATE INDEX order_lines_product_scope ON order_lines (variant_id, order_id);
-- A scope that names card brands or providers reads the matching payment
-- attempts from the window's start as a range of one of these indexes,
-- without touching the table, and hashes them against the window's
-- orders: payments_brand_scope of 0070 had the start after order_id, so
-- it read every attempt of the brand ever made, and a provider was read
-- by a scan of all payments.
DROP INDEX payments_brand_scope;
CREATE INDEX payments_brand_scope ON payments (brand, created_at, order_id) INCLUDE (provider);
CREATE INDEX payments_provider_scope ON payments (provider, created_at, order_id) INCLUDE (brand);
-- A scope that names customers finds their orders by address, as the
-- query compares it (LOWER(o.email)), instead of reading every order of
-- the window; the method and the window's column come next, and the
-- address as stored last, so that SQLite, which plans without statistics,
-- prefers this index to orders_scope and reads no table row.
CREATE INDEX orders_email_scope ON orders ((LOWER(email)), payment_method, created_at, email);
