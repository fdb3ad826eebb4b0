-- An incident scope bounds the payment attempts it looks at by the
-- window's start (incident.Query.sql). SQLite probes payments once per
-- order of the window, fastest by order_id (a brand-first index, as on
-- PostgreSQL, cost it half again as much), so here the index is
-- payments_scope with the bound's column: each probe stays in the index.
CREATE INDEX payments_brand_scope ON payments (order_id, provider, brand, created_at);
