package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/mail"
)

// errorLog counts error records, so a test can insist that nothing went
// wrong behind the scenes (SQLITE_BUSY in River's own work, for one).
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *errorLog) WithGroup(string) slog.Handler            { return l }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		l.mu.Lock()
		defer l.mu.Unlock()
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		l.errs = append(l.errs, msg)
	}
	return nil
}

// TestManyMessagesWhileTheStoreWrites sends messages enqueued from several
// goroutines at once while the runner works, on the store's own pool: every
// message arrives once and neither the store nor River sees a locked
// database.
func TestManyMessagesWhileTheStoreWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := newSMTPServer(t, "127.0.0.1:0")
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		cfg, err := mail.ParseSMTPURL("smtp://" + srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		logs := &errorLog{}
		log := slog.New(logs)
		w, err := mail.NewSendWorker(d, mail.Delivery{SMTP: &cfg, From: "shop@kaede.example"}, testClock, log)
		if err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(d, log, jobs.Config{Register: w.Register, PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			r.Stop(ctx)
		}()
		q := mail.NewQueue(r, testClock)
		const writers, each = 8, 10
		begin := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for g := range writers {
			wg.Go(func() {
				for i := range each {
					m := order
					m.To = fmt.Sprintf("c%d-%d@example.jp", g, i)
					errs <- d.Tx(ctx, func(tx *sql.Tx) error {
						_, err := q.Enqueue(ctx, tx, m)
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("enqueue: %v", err)
			}
		}
		waitFor(t, "every message", func() bool { return len(srv.got()) >= writers*each })
		t.Logf("%d messages enqueued by %d writers and delivered in %v", writers*each, writers, time.Since(begin).Round(time.Millisecond))
		waitDrained(t, d)
		seen := map[string]int{}
		for _, m := range srv.got() {
			seen[m.to]++
		}
		if len(seen) != writers*each || len(srv.got()) != writers*each {
			t.Fatalf("server got %d messages for %d recipients, want %d each once", len(srv.got()), len(seen), writers*each)
		}
		logs.mu.Lock()
		defer logs.mu.Unlock()
		if len(logs.errs) > 0 {
			t.Fatalf("warnings while sending: %q", logs.errs)
		}
	})
}

// TestSTARTTLSWithLogin upgrades the connection the server offers to
// upgrade, then logs in.
func TestSTARTTLSWithLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, "127.0.0.1:0")
		cert, roots := selfSigned(t)
		srv.server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.server.AllowInsecureAuth = false
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		cfg, err := mail.ParseSMTPURL("smtp://shop:p%40ss%20word@" + srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLS = &tls.Config{RootCAs: roots}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		w, err := mail.NewSendWorker(d, mail.Delivery{SMTP: &cfg, From: "楓 <shop@kaede.example>"}, testClock, log)
		if err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(d, log, jobs.Config{Register: w.Register, PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop(ctx)
		var id int64
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			id, err = mail.NewQueue(r, testClock).Enqueue(ctx, tx, order)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "status sent", func() bool { return stored(t, d, id).Status == mail.StatusSent })
		if m := stored(t, d, id); m.Attempts != 1 {
			t.Fatalf("attempts=%d (last error %q), want 1", m.Attempts, m.LastError)
		}
		checkDelivered(t, srv.got()[0], order)
	})
}

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test smtp"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}
