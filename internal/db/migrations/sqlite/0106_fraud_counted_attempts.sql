-- The card-testing guard's window check reads the Max newest attempts of a
-- session, an address or an e-mail that count (outcome <> 'refused'). On
-- the indexes by (key, created_at) it walked past every refused attempt
-- first: one client refused ten thousand times made each of its next
-- checks, inside the transaction every writer waits for, read ten thousand
-- rows (a soak's writes slowed threefold in 30 minutes). These indexes hold
-- the counted attempts only.
CREATE INDEX fraud_attempts_session_counted ON fraud_attempts (session_hash, created_at) WHERE outcome <> 'refused';
CREATE INDEX fraud_attempts_ip_counted ON fraud_attempts (ip, created_at) WHERE outcome <> 'refused';
CREATE INDEX fraud_attempts_email_counted ON fraud_attempts (email_hash, created_at) WHERE outcome <> 'refused';
