-- An incident scope that names a card brand (incident.Query.sql): with
-- it PostgreSQL reads the brand's payments from the window's start by
-- this index alone and joins them to the window's orders by hash, where
-- probing payments_scope once per order of the window took 0.4-0.9 s
-- over a million orders. (SQLite keeps probing per order; its index of
-- this name covers the probe instead.)
CREATE INDEX payments_brand_scope ON payments (brand, order_id, created_at);
