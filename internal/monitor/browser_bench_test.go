package monitor_test

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"kaede/internal/db/dbtest"
	"kaede/internal/monitor"
	"kaede/internal/testenv"
)

// BenchmarkBrowserWalkAndDiff is one browser-mode run against the real
// store (SQLite): the HTTP walk, Chromium's start, its walk of the
// payment pages, and the diff. cpu-ms/op counts this process (the store
// serving both walks included) and Chromium's processes, which are reaped
// at the end of each walk.
func BenchmarkBrowserWalkAndDiff(b *testing.B) {
	s := newRealStore(b, dbtest.SQLite(b))
	t := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(t.CloseIdleConnections)
	w, err := monitor.NewWalker(monitor.Config{BaseURL: s.baseURL, ProviderOrigins: []string{s.gateway},
		Transport: offline{t}, Browser: testenv.Chromium(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	baseline, err := w.Walk(ctx)
	if err != nil {
		b.Fatal(err)
	}
	self, children := cpuTime(b), childrenCPU(b)
	b.ResetTimer()
	for b.Loop() {
		_, diffs, err := w.Check(ctx, baseline)
		if err != nil || len(diffs) != 0 {
			b.Fatalf("check: %v %v", diffs, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-self).Microseconds())/1000/float64(b.N), "self-cpu-ms/op")
	b.ReportMetric(float64((childrenCPU(b)-children).Microseconds())/1000/float64(b.N), "chromium-cpu-ms/op")
}

// childrenCPU is the user and system CPU time of the process's children
// that have ended and been waited for: the Chromium processes of the walks.
func childrenCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
