-- The shop's emergency switches change what the payment pages serve: with
-- card payments stopped checkout offers no card, with checkout stopped the
-- cart leads nowhere. A run is compared only with a baseline taken under
-- the same switch positions, so each set of positions has baselines of its
-- own. '' is every switch normal, what every existing row was taken under;
-- otherwise e.g. 'card=off' or 'card=off checkout=off' (monitor.Conditions).
ALTER TABLE monitor_baselines ADD COLUMN conditions TEXT NOT NULL DEFAULT '';
ALTER TABLE monitor_runs ADD COLUMN conditions TEXT NOT NULL DEFAULT '';
