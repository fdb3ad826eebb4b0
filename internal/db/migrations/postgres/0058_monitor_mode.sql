-- The tamper monitor walks in one of two modes: 'http' (the pages as
-- received, in Go) or 'browser' (the same, and a headless Chromium
-- recording what ran and what the pages asked). A browser walk records
-- more than an HTTP walk, so each mode is compared with a baseline of its
-- own; every existing baseline was taken over HTTP.
ALTER TABLE monitor_baselines ADD COLUMN mode TEXT NOT NULL DEFAULT 'http';
