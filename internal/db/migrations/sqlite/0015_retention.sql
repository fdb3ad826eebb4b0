-- For the periodic clean-up jobs (the Prune methods), which delete by age:
-- without these each hourly run would read the whole table.
CREATE INDEX carts_updated ON carts (updated_at);
CREATE INDEX member_tokens_expires ON member_tokens (expires_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
-- How long card attempts are kept is now a setting (settings.Retention,
-- 90 days by default, never under 48 hours), not the 48 hours of 0010.
