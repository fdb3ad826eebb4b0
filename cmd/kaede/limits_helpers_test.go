package main

import "testing"

// looseLimits lifts the shop's limits per client (settings.Limits) for a
// test that is about something else but places many orders from one
// address, as every test client here is 127.0.0.1.
func looseLimits(t *testing.T, m *Main) {
	t.Helper()
	looseLimitsIn(t, m.db)
}
