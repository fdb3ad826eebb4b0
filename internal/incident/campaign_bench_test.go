package incident_test

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/mail/smtptest"
)

// The figures: 10,000 letters in under 30 s and 200 MB, and a
// campaign of 10,000 e-mails delivered to a real local SMTP server in
// under two minutes. Run them alone, one database at a time:
//
//	go test -run '^$' -bench 'Letters10000|Campaign10000' -benchtime 1x ./internal/incident
//
// With KAEDE_TEST_POSTGRES set, each runs on PostgreSQL too.

// eachDB runs fn as a sub-benchmark on SQLite and, when configured, on
// PostgreSQL.
func eachDB(b *testing.B, fn func(b *testing.B, d *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, dbtest.SQLite(b)) })
	if dbtest.WantPostgres() {
		b.Run("postgres", func(b *testing.B) { fn(b, dbtest.Postgres(b)) })
	}
}

// BenchmarkLetters10000 writes the letters of a 10,000-person campaign,
// end to end from the database: reading the recipients, laying out each
// page, writing the PDF. It reports the time, the PDF's size, the peak
// heap while writing and the process's peak resident memory.
func BenchmarkLetters10000(b *testing.B) {
	eachDB(b, func(b *testing.B, d *db.DB) {
		e := newCampaignEnv(b, d, nil, customers(10_000))
		e.prepare()
		runtime.GC()
		for b.Loop() {
			resetPeakRSS()
			var peak peakHeap
			stop := peak.watch()
			start := time.Now()
			cw := &countWriter{}
			n, err := e.c.WriteLetters(e.ctx, e.id, cw, incident.LetterPart{}, owner)
			elapsed := time.Since(start)
			stop()
			if err != nil || n != 10_000 {
				b.Fatalf("WriteLetters: %d %v", n, err)
			}
			b.ReportMetric(elapsed.Seconds(), "s/run")
			b.ReportMetric(float64(cw.n)/1e6, "MB-pdf")
			b.ReportMetric(float64(peak.max())/1e6, "MB-peak-heap")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(float64(rss)/1e6, "MB-peak-rss")
			}
		}
	})
}

// BenchmarkLetters10000InParts writes the same letters as five PDFs of
// 2,000, one after the other, as the admin offers them for a large
// campaign beside the whole run.
func BenchmarkLetters10000InParts(b *testing.B) {
	eachDB(b, func(b *testing.B, d *db.DB) {
		e := newCampaignEnv(b, d, nil, customers(10_000))
		e.prepare()
		runtime.GC()
		for b.Loop() {
			resetPeakRSS()
			var peak peakHeap
			stop := peak.watch()
			start := time.Now()
			cw := &countWriter{}
			total := 0
			for off := 0; off < 10_000; off += 2000 {
				n, err := e.c.WriteLetters(e.ctx, e.id, cw, incident.LetterPart{Offset: off, Limit: 2000}, owner)
				if err != nil {
					b.Fatalf("WriteLetters: %v", err)
				}
				total += n
			}
			elapsed := time.Since(start)
			stop()
			if total != 10_000 {
				b.Fatalf("letters=%d, want 10000", total)
			}
			b.ReportMetric(elapsed.Seconds(), "s/run")
			b.ReportMetric(float64(cw.n)/1e6, "MB-pdf")
			b.ReportMetric(float64(peak.max())/1e6, "MB-peak-heap")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(float64(rss)/1e6, "MB-peak-rss")
			}
		}
	})
}

// BenchmarkCampaign10000Delivered sends a 10,000-person campaign through
// the outbox to a real SMTP server on 127.0.0.1 and waits until the
// server has every message and the campaign's progress shows each as
// sent: queue → all delivered. The job runner runs as the server runs it
// (20 workers), but for the poll interval, which only matters for an idle
// queue.
func BenchmarkCampaign10000Delivered(b *testing.B) {
	workers := 20 // as cmd/kaede's runner (services.go); KAEDE_BENCH_MAIL_WORKERS tries others
	if v, err := strconv.Atoi(os.Getenv("KAEDE_BENCH_MAIL_WORKERS")); err == nil {
		workers = v
	}
	eachDB(b, func(b *testing.B, d *db.DB) {
		const n = 10_000
		peer := smtptest.Start(b)
		var e *campaignEnv
		clock := func() time.Time { return e.clock() }
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			b.Fatal(err)
		}
		cfg, err := mail.ParseSMTPURL("smtp://" + peer.Addr)
		if err != nil {
			b.Fatal(err)
		}
		log := slog.New(slog.DiscardHandler)
		w, err := mail.NewSendWorker(d, mail.Delivery{SMTP: &cfg, From: "楓 <shop@kaede.example>"}, clock, log)
		if err != nil {
			b.Fatal(err)
		}
		r, err := jobs.New(d, log, jobs.Config{Register: w.Register, MaxWorkers: workers, PollInterval: 100 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		e = newCampaignEnv(b, d, mail.NewQueue(r, clock), customers(n))
		e.prepare()
		e.tested()
		if err := r.Start(ctx); err != nil {
			b.Fatal(err)
		}
		defer r.Stop(ctx)
		waitUntil(b, 30*time.Second, func() bool { return peer.Received() >= 1 }) // the test e-mail
		for b.Loop() {
			start := time.Now()
			res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
			if err != nil || res.Queued != n {
				b.Fatalf("Send: %+v %v", res, err)
			}
			queued := time.Since(start)
			// The server is watched, not the campaign: reading the
			// progress of 10,000 rows five times a second would slow
			// the delivery it measures. The admin's page asks every few
			// seconds.
			waitUntil(b, 10*time.Minute, func() bool { return peer.Received() >= n+1 })
			p, err := e.c.Progress(e.ctx, e.id)
			if err != nil {
				b.Fatal(err)
			}
			for !p.Done() {
				// The last few are accepted but not yet recorded as sent.
				time.Sleep(100 * time.Millisecond)
				if p, err = e.c.Progress(e.ctx, e.id); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			if p.Sent != n || peer.Received() != n+1 {
				b.Fatalf("progress %+v, server got %d, want %d sent", p, peer.Received()-1, n)
			}
			b.ReportMetric(queued.Seconds(), "s-queue")
			b.ReportMetric(elapsed.Seconds(), "s-delivered")
			b.ReportMetric(float64(n)/elapsed.Seconds(), "mails/s")
		}
	})
}

// waitUntil polls cond every 200ms until it holds, failing after limit.
func waitUntil(b *testing.B, limit time.Duration, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("still waiting after %v", limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// peakHeap samples the heap in use while a run goes on (as pdfdoc's
// benchmark does).
type peakHeap struct {
	mu   sync.Mutex
	peak uint64
}

func (p *peakHeap) watch() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
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
	})
	return func() { close(done); wg.Wait() }
}

func (p *peakHeap) max() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// resetPeakRSS starts the peak resident set size afresh from the current
// one (Linux: "5" to /proc/self/clear_refs), so that the figure is the
// run's and not the set-up's, which holds 10,000 customers of its own.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

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
