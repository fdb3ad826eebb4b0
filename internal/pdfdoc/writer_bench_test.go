package pdfdoc_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/pdfdoc"
)

// BenchmarkWriter10000 writes a run of 10,000 letters, each to a different
// person, and reports the PDF's size, the peak heap and the process's peak
// resident memory (issue 10: under 30 s and 200 MB). Run it alone:
//
//	go test -run '^$' -bench Writer10000 -benchtime 1x ./internal/pdfdoc
func BenchmarkWriter10000(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		var peak peakHeap
		stop := peak.watch()
		start := time.Now()
		cw := &countWriter{}
		w := pdfdoc.NewWriter(cw, pdfdoc.Options{Created: time.Date(2020, 11, 10, 9, 0, 0, 0, time.UTC)})
		for i := range n {
			r := recipients[i%len(recipients)]
			r.Name = fmt.Sprintf("%s%d", r.Name, i)
			r.Address = append([]string{fmt.Sprintf("%s%d番地", r.Address[0], i)}, r.Address[1:]...)
			if err := w.Add(letter(r)); err != nil {
				b.Fatalf("letter %d: %v", i, err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatalf("Close: %v", err)
		}
		elapsed := time.Since(start)
		stop()
		if w.Pages() != n {
			b.Fatalf("pages=%d, want %d", w.Pages(), n)
		}
		b.ReportMetric(elapsed.Seconds(), "s/run")
		b.ReportMetric(float64(cw.n)/1e6, "MB-pdf")
		b.ReportMetric(float64(peak.max())/1e6, "MB-peak-heap")
		if rss := peakRSS(); rss > 0 {
			b.ReportMetric(float64(rss)/1e6, "MB-peak-rss")
		}
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// peakHeap samples the heap in use while a run goes on.
type peakHeap struct {
	mu   sync.Mutex
	peak uint64
}

func (p *peakHeap) watch() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			p.mu.Lock()
			p.peak = max(p.peak, m.HeapInuse)
			p.mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *peakHeap) max() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM),
// or 0 where /proc is not there.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
