package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig says where and how to hand messages over for delivery.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // empty: no authentication
	Password string
	// ImplicitTLS speaks TLS from the first byte (smtps://, usually port
	// 465). Otherwise the connection is upgraded with STARTTLS whenever the
	// server offers it.
	ImplicitTLS bool
	// TLS overrides the TLS settings, for a server with a private CA; nil
	// verifies against the system's roots for Host.
	TLS *tls.Config
}

// ParseSMTPURL reads smtp://user:pass@host:port or smtps://… (user and
// password optional, percent-encoded). The port defaults to 587 for smtp
// and 465 for smtps. Errors name the part that is wrong but never echo the
// password.
func ParseSMTPURL(s string) (SMTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url's error quotes the whole URL, password included.
		return SMTPConfig{}, errors.New("SMTP URL: not a valid URL (want smtp://user:pass@host:port)")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.ImplicitTLS = 465, true
	default:
		return SMTPConfig{}, fmt.Errorf("SMTP URL: scheme %q not supported (want smtp or smtps)", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return SMTPConfig{}, errors.New("SMTP URL: want only user, password, host and port (smtp://user:pass@host:port)")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, errors.New("SMTP URL: host is missing")
	}
	if strings.ContainsAny(c.Host, " \t\r\n/\\%") {
		return SMTPConfig{}, fmt.Errorf("SMTP URL: host %q is not a host name", c.Host)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("SMTP URL: port %q is not a number from 1 to 65535", p)
		}
		c.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return SMTPConfig{}, errors.New("SMTP URL: port is empty")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return SMTPConfig{}, errors.New("SMTP URL: user is empty but a password is given")
		}
	}
	return c, nil
}

// addr is host:port for dialling.
func (c SMTPConfig) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// envelope is one message as the SMTP conversation needs it.
type envelope struct {
	from, to string // bare addresses for MAIL FROM and RCPT TO
	helo     string
	data     []byte // the whole message: headers, blank line, body
}

// smtpTimeout bounds a whole conversation when the job's context has no
// sooner deadline, so a server that stops answering cannot hold a worker.
const smtpTimeout = 30 * time.Second

// deliver hands e to the server and calls accepted as soon as the server
// has accepted the DATA, before saying goodbye: from that moment the
// message is the server's and must not be sent again, whatever happens to
// the rest of the conversation.
func (c SMTPConfig) deliver(ctx context.Context, e envelope, accepted func() error) error {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	tlsConfig := c.tlsConfig()
	dialer := &net.Dialer{}
	var conn net.Conn
	var err error
	if c.ImplicitTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", c.addr())
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", c.addr())
	}
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", c.addr(), err)
	}
	defer conn.Close()
	// net/smtp has no contexts: a deadline on the connection stands in for
	// one, and closing the connection ends a conversation the job abandons.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	client, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("SMTP greeting from %s: %w", c.addr(), err)
	}
	defer client.Close()
	if err := client.Hello(e.helo); err != nil {
		return fmt.Errorf("SMTP EHLO: %w", err)
	}
	if !c.ImplicitTLS {
		if ok, _ := client.Extension("STARTTLS"); ok {
			if err := client.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("SMTP STARTTLS: %w", err)
			}
		}
	}
	if c.Username != "" {
		// PlainAuth refuses to send the password over a connection that is
		// neither TLS nor to localhost.
		if err := client.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("SMTP AUTH as %q: %w", c.Username, err)
		}
	}
	if err := client.Mail(e.from); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	if err := client.Rcpt(e.to); err != nil {
		return fmt.Errorf("SMTP RCPT TO: %w", err)
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(e.data); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	// Close sends the final dot and waits for the server's verdict.
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if err := accepted(); err != nil {
		return err
	}
	// The message is delivered; a failed QUIT changes nothing.
	client.Quit()
	return nil
}

func (c SMTPConfig) tlsConfig() *tls.Config {
	if c.TLS != nil {
		t := c.TLS.Clone()
		if t.ServerName == "" {
			t.ServerName = c.Host
		}
		return t
	}
	return &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
}
