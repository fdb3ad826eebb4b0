package monitor_test

import (
	"slices"
	"testing"

	"kaede/internal/monitor"
)

// TestDiffOrder: differences come most severe first, then in walk order,
// the same however often Diff runs.
func TestDiffOrder(t *testing.T) {
	page := func(name string, scripts ...string) monitor.Page {
		p := monitor.Page{Name: name, Method: "GET", Status: 200, Headers: []monitor.Header{{Name: "X-Frame-Options", Value: "DENY"}}}
		for _, s := range scripts {
			p.Scripts = append(p.Scripts, monitor.Script{Src: s, Nonce: true})
		}
		return p
	}
	base := &monitor.Snapshot{Version: monitor.FormatVersion, Pages: []monitor.Page{page("/cart", "https://s/a.js"), page("/checkout", "https://s/a.js")}}
	cur := &monitor.Snapshot{Version: monitor.FormatVersion, Pages: []monitor.Page{page("/cart"), page("/checkout", "https://s/a.js", "https://evil/b.js", "https://evil/a.js")}}
	cur.Pages[0].Headers = nil
	first := monitor.Diff(base, cur)
	var got []string
	for _, d := range first {
		got = append(got, string(d.Severity)+" "+d.Page+" "+string(d.Kind)+" "+d.Subject)
	}
	want := []string{
		"critical /cart header-removed X-Frame-Options",
		"critical /checkout script-added https://evil/a.js",
		"critical /checkout script-added https://evil/b.js",
		"warning /cart script-removed https://s/a.js",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("differences\n%q\nwant\n%q", got, want)
	}
	for range 20 {
		if again := monitor.Diff(base, cur); !slices.Equal(again, first) {
			t.Fatalf("Diff gave another order: %v", again)
		}
	}
}
