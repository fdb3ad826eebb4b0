// Package smtptest is a real SMTP server for tests that need a peer to
// deliver to across processes (github.com/emersion/go-smtp on 127.0.0.1):
// it keeps what it is given, by envelope recipient, refuses the
// recipients it is told to (550, permanently), and can go down and come
// back on the same address, as a mail server restarted by its operator
// does.
package smtptest

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Peer is the server. Addr stays the same across Down and Up.
type Peer struct {
	Addr string

	mu       sync.Mutex
	server   *smtp.Server
	messages map[string][][]byte // by envelope recipient
	count    int
	reject   map[string]bool
	// downAfter, when above zero, takes the server down once it has
	// accepted that many messages in all.
	downAfter int
	wentDown  chan struct{}
	// slow is how long each conversation waits before it accepts the
	// recipient: before any message is taken, so that a client that
	// vanishes meanwhile has delivered nothing.
	slow time.Duration
	// held, while open, keeps every message from being taken: its
	// conversation waits at DATA, before reading the message.
	held chan struct{}
}

// Start listens on a free port of 127.0.0.1; the server is stopped when
// the test ends.
func Start(tb testing.TB) *Peer {
	tb.Helper()
	p := &Peer{messages: map[string][][]byte{}, reject: map[string]bool{}, wentDown: make(chan struct{})}
	p.up(tb, "127.0.0.1:0")
	tb.Cleanup(func() {
		p.Release() // a held conversation would keep its goroutine
		p.mu.Lock()
		srv := p.server
		p.mu.Unlock()
		if srv != nil {
			srv.Close()
		}
	})
	return p
}

// Up brings the server back on its address after Down.
func (p *Peer) Up(tb testing.TB) {
	tb.Helper()
	p.up(tb, p.Addr)
}

func (p *Peer) up(tb testing.TB, addr string) {
	tb.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("listen for SMTP on %s: %v", addr, err)
	}
	srv := smtp.NewServer(backend{p})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxRecipients = 1
	p.mu.Lock()
	p.Addr, p.server = l.Addr().String(), srv
	p.mu.Unlock()
	go srv.Serve(l)
}

// Down stops the server as its operator would: it stops accepting
// connections (clients are refused) and lets the conversations under way
// end, so that no message is half taken.
func (p *Peer) Down() {
	p.mu.Lock()
	srv := p.server
	p.server = nil
	p.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// DownAfter makes the server go down by itself once it has accepted n
// messages in all; WentDown is closed then.
func (p *Peer) DownAfter(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.downAfter = n
}

// Reject makes the server refuse the recipients, permanently (550), as
// for an address that does not exist.
func (p *Peer) Reject(recipients ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range recipients {
		p.reject[r] = true
	}
}

// Slow makes every conversation wait d before accepting its recipient,
// so that deliveries are under way for a while.
func (p *Peer) Slow(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slow = d
}

// Hold keeps every message from being taken until Release: a
// conversation that reaches DATA waits there, before it reads the
// message, so that a client that vanishes meanwhile has delivered
// nothing and the server has nothing that the client does not know of.
func (p *Peer) Hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = make(chan struct{})
	}
}

// Release lets the held conversations take their messages.
func (p *Peer) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// WentDown is closed when DownAfter's count is reached and the server is
// down.
func (p *Peer) WentDown() <-chan struct{} { return p.wentDown }

// Received is how many messages the server has accepted.
func (p *Peer) Received() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// Messages returns the messages accepted for each envelope recipient.
func (p *Peer) Messages() map[string][][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string][][]byte, len(p.messages))
	for k, v := range p.messages {
		out[k] = append([][]byte(nil), v...)
	}
	return out
}

type backend struct{ p *Peer }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{p: b.p}, nil }

type session struct {
	p  *Peer
	to string
}

func (*session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.p.mu.Lock()
	slow, reject := s.p.slow, s.p.reject[to]
	s.p.mu.Unlock()
	time.Sleep(slow)
	if reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = to
	return nil
}
func (*session) Reset()        {}
func (*session) Logout() error { return nil }

func (s *session) Data(r io.Reader) error {
	s.p.mu.Lock()
	held := s.p.held
	s.p.mu.Unlock()
	if held != nil {
		<-held
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.messages[s.to] = append(s.p.messages[s.to], b)
	s.p.count++
	if s.p.count == s.p.downAfter {
		// After this conversation ends: Shutdown waits for it.
		go func() {
			s.p.Down()
			close(s.p.wentDown)
		}()
	}
	return nil
}
