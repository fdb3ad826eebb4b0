-- An incident scope that names a product (incident.Query.sql) reads the
-- product's order lines by variant: a few percent of the lines, where
-- without this index it probed the lines of every order of the window.
CREATE INDEX order_lines_product_scope ON order_lines (variant_id, order_id);
-- SQLite probes payments once per order of the window (it has no hash
-- join, and without statistics a provider-first index, as on PostgreSQL,
-- made it scan the provider's attempts once per order). Its
-- payments_brand_scope of 0070 serves a probe by order and provider; this
-- one, named as its PostgreSQL twin, serves a probe by order and brand.
CREATE INDEX payments_provider_scope ON payments (order_id, brand, provider, created_at);
-- A scope that names customers finds their orders by address, as the
-- query compares it (LOWER(o.email)), instead of reading every order of
-- the window; the method and the window's column come next, and the
-- address as stored last, so that SQLite, which plans without statistics,
-- prefers this index to orders_scope and reads no table row.
CREATE INDEX orders_email_scope ON orders (LOWER(email), payment_method, created_at, email);
