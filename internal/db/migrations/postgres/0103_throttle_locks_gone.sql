-- The throttle serialises its checks with advisory locks per bucket and
-- subject on PostgreSQL (and needs none on SQLite); the lock rows per
-- bucket, which made every customer's checkout wait for every other's,
-- are gone.
DROP TABLE throttle_locks;
