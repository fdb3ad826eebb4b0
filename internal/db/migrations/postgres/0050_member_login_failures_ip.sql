-- Failed member logins remember the client's address, so that logins are
-- throttled per address as well as per account: guessing one password
-- for many accounts (password spraying) fails once per account and no
-- per-account lock ever sees it. '' for rows from before.
ALTER TABLE member_login_failures ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX member_login_failures_ip ON member_login_failures (ip, at);
