package mail_test

import (
	"strings"
	"testing"

	"kaede/internal/mail"
	"kaede/internal/shop"
)

func TestValidate(t *testing.T) {
	ok := mail.Message{Kind: "verify_email", To: "taro@example.jp", Subject: "メールアドレスの確認", Body: "本文"}
	tests := []struct {
		name  string
		edit  func(m *mail.Message)
		field string // "" when valid
	}{
		{"valid", func(m *mail.Message) {}, ""},
		{"display name", func(m *mail.Message) { m.To = "山田 太郎 <taro@example.jp>" }, ""},
		{"no recipient", func(m *mail.Message) { m.To = "" }, "to"},
		{"no at sign", func(m *mail.Message) { m.To = "taro.example.jp" }, "to"},
		{"two recipients", func(m *mail.Message) { m.To = "taro@example.jp, jiro@example.jp" }, "to"},
		{"recipient with header", func(m *mail.Message) { m.To = "taro@example.jp\r\nBcc: all@example.jp" }, "to"},
		{"subject with CRLF header", func(m *mail.Message) { m.Subject = "ご確認\r\nBcc: all@example.jp" }, "subject"},
		{"subject with LF", func(m *mail.Message) { m.Subject = "ご確認\nX-Evil: 1" }, "subject"},
		{"subject with NUL", func(m *mail.Message) { m.Subject = "ご確認\x00" }, "subject"},
		{"no subject", func(m *mail.Message) { m.Subject = "" }, "subject"},
		{"no body", func(m *mail.Message) { m.Body = "" }, "body"},
		{"no kind", func(m *mail.Message) { m.Kind = "" }, "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.edit(&m)
			err := m.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate()=%v, want nil", err)
				}
				return
			}
			if shop.ErrorCode(err) != shop.Invalid || shop.ErrorFields(err)[tt.field] == "" {
				t.Fatalf("Validate()=%v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		url     string
		want    mail.SMTPConfig
		wantErr string // a word the error must contain
	}{
		{url: "smtp://mail.example.jp", want: mail.SMTPConfig{Host: "mail.example.jp", Port: 587}},
		{url: "smtp://user:p%40ss@mail.example.jp:2525", want: mail.SMTPConfig{Host: "mail.example.jp", Port: 2525, Username: "user", Password: "p@ss"}},
		{url: "smtps://user:pass@mail.example.jp", want: mail.SMTPConfig{Host: "mail.example.jp", Port: 465, Username: "user", Password: "pass", ImplicitTLS: true}},
		{url: "smtp://[::1]:25", want: mail.SMTPConfig{Host: "::1", Port: 25}},
		{url: "http://mail.example.jp", wantErr: "scheme"},
		{url: "mail.example.jp:25", wantErr: "scheme"},
		{url: "", wantErr: "scheme"},
		{url: "smtp://", wantErr: "host"},
		{url: "smtp://user:secret@:25", wantErr: "host"},
		{url: "smtp://mail.example.jp:0", wantErr: "port"},
		{url: "smtp://mail.example.jp:70000", wantErr: "port"},
		{url: "smtp://mail.example.jp:", wantErr: "port"},
		{url: "smtp://mail.example.jp/inbox", wantErr: "only"},
		{url: "smtp://mail.example.jp?tls=off", wantErr: "only"},
		{url: "smtp://:secret@mail.example.jp", wantErr: "user"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := mail.ParseSMTPURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSMTPURL(%q) err=%v, want one about %s", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSMTPURL(%q): %v", tt.url, err)
			}
			if got != tt.want {
				t.Fatalf("ParseSMTPURL(%q)=%+v, want %+v", tt.url, got, tt.want)
			}
		})
	}
}

func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://u:p@h:25", "smtps://h", "smtp://[::1]:1", "smtp://h:", "smtp://u:%zz@h", "http://h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := mail.ParseSMTPURL(s)
		if err != nil {
			// The password must never be echoed back in the error.
			if c.Password != "" {
				t.Fatalf("error with a config: %+v", c)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 {
			t.Fatalf("ParseSMTPURL(%q)=%+v: accepted without host or valid port", s, c)
		}
		if strings.ContainsAny(c.Host, "\r\n /") {
			t.Fatalf("ParseSMTPURL(%q) host %q has a forbidden character", s, c.Host)
		}
		if c.Password != "" && c.Username == "" {
			t.Fatalf("ParseSMTPURL(%q): password without user", s)
		}
	})
}
