package member_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

func TestRegisterValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*member.RegisterInput)
		field  string
		reason string
	}{
		{"no email", func(in *member.RegisterInput) { in.Email = " " }, "email", shop.ReasonRequired},
		{"no at", func(in *member.RegisterInput) { in.Email = "taro.example.jp" }, "email", shop.ReasonFormat},
		{"no domain dot", func(in *member.RegisterInput) { in.Email = "taro@localhost" }, "email", shop.ReasonFormat},
		{"display name", func(in *member.RegisterInput) { in.Email = "Taro <taro@example.jp>" }, "email", shop.ReasonFormat},
		{"space inside", func(in *member.RegisterInput) { in.Email = "ta ro@example.jp" }, "email", shop.ReasonFormat},
		{"email too long", func(in *member.RegisterInput) {
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 187) + ".jp"
		}, "email", shop.ReasonLength},
		{"no password", func(in *member.RegisterInput) { in.Password = "" }, "password", shop.ReasonRequired},
		{"password 9", func(in *member.RegisterInput) { in.Password = "123456789" }, "password", shop.ReasonLength},
		{"password 129", func(in *member.RegisterInput) { in.Password = strings.Repeat("x", 129) }, "password", shop.ReasonLength},
		{"password is email", func(in *member.RegisterInput) { in.Password = "Hanako@Example.JP" }, "password", shop.ReasonFormat},
		{"common password", func(in *member.RegisterInput) { in.Password = "QwertyUIOP" }, "password", shop.ReasonCommon},
		{"common password 12", func(in *member.RegisterInput) { in.Password = "1qaz2wsx3edc" }, "password", shop.ReasonCommon},
		{"no name", func(in *member.RegisterInput) { in.Name = "  " }, "name", shop.ReasonRequired},
		{"name 61", func(in *member.RegisterInput) { in.Name = strings.Repeat("山", 61) }, "name", shop.ReasonLength},
		{"name control", func(in *member.RegisterInput) { in.Name = "山田\n太郎" }, "name", shop.ReasonFormat},
		{"no kana", func(in *member.RegisterInput) { in.NameKana = "" }, "name_kana", shop.ReasonRequired},
		{"latin kana", func(in *member.RegisterInput) { in.NameKana = "Yamada" }, "name_kana", shop.ReasonFormat},
		{"phone letters", func(in *member.RegisterInput) { in.Phone = "03-CALL-NOW" }, "phone", shop.ReasonFormat},
		{"phone short", func(in *member.RegisterInput) { in.Phone = "03-1234" }, "phone", shop.ReasonFormat},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := validInput("hanako@example.jp")
				tt.mutate(&in)
				_, err := s.Register(ctx, in)
				wantField(t, err, tt.field, tt.reason)
				if n := len(shop.ErrorFields(err)); n != 1 {
					t.Fatalf("%d fields reported, want 1: %v", n, err)
				}
			})
		}
		t.Run("every field at once", func(t *testing.T) {
			_, err := s.Register(ctx, member.RegisterInput{Email: "x", Password: "short", NameKana: "abc", Phone: "abc"})
			for _, f := range []string{"email", "password", "name", "name_kana", "phone"} {
				if _, ok := shop.ErrorFields(err)[f]; !ok {
					t.Errorf("field %s not reported: %v", f, err)
				}
			}
		})
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d members after invalid registrations, want 0", n)
		}
	})
}

func TestRegisterNormalises(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		in := validInput("ＴＡＲＯ＠Ｅｘａｍｐｌｅ．ＪＰ")
		in.Phone = "０９０ー１２３４ー５６７８"
		m, err := s.Register(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if m.Email != "taro@example.jp" || m.NameKana != "ヤマダ タロウ" || m.Phone != "090-1234-5678" || m.Locale != "ja" {
			t.Fatalf("stored %q %q %q %q", m.Email, m.NameKana, m.Phone, m.Locale)
		}
		if m.Verified() || m.Practitioner != member.PractitionerNone {
			t.Fatalf("new member verified=%v practitioner=%q", m.Verified(), m.Practitioner)
		}
		got, err := s.ByEmail(context.Background(), " Taro@EXAMPLE.jp ")
		if err != nil || got.ID != m.ID {
			t.Fatalf("ByEmail=%v, %v; want member %d", got, err, m.ID)
		}
		if _, err := s.Get(context.Background(), m.ID+100); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Get(unknown) err=%v, want not found", err)
		}
	})
}

func TestRegisterDuplicateEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		register(t, s, "taro@example.jp")
		_, err := s.Register(context.Background(), validInput("TARO@example.jp"))
		if !errors.Is(err, member.ErrAlreadyRegistered) {
			t.Fatalf("err = %v, want ErrAlreadyRegistered", err)
		}
		if got := len(mails(t, d, "taro@example.jp", "verify_email")); got != 1 {
			t.Fatalf("%d verification mails, want 1 (the failed registration must send none)", got)
		}
		// The owner hears of it, politely, with the ways back in.
		msg := lastMail(t, d, "taro@example.jp", "account_exists")
		for _, want := range []string{"すでに会員登録がお済みです", "/account/login", "/account/forgot", "様"} {
			if !strings.Contains(msg.Body, want) {
				t.Errorf("account_exists mail lacks %q:\n%s", want, msg.Body)
			}
		}
		var n int
		if err := d.QueryRow(`SELECT COUNT(*) FROM members`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d members (%v), want 1", n, err)
		}
	})
}

func TestVerifyEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		in := validInput("taro@example.jp")
		m, err := s.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		msg := lastMail(t, d, "taro@example.jp", "verify_email")
		if !strings.Contains(msg.Subject, "楓 鍼灸マッサージ用品店") || !strings.Contains(msg.Body, "山田 太郎 様") {
			t.Fatalf("verification mail is not the Japanese one:\n%s\n\n%s", msg.Subject, msg.Body)
		}
		if strings.Contains(msg.Body, in.Password) {
			t.Fatal("the password is in the mail")
		}
		token := tokenIn(t, msg.Body, "/account/verify")
		var stored int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_tokens WHERE token_hash = $1`, token).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != 0 {
			t.Fatal("the token is stored as it is, not hashed")
		}

		for _, bad := range []string{"", "nonsense", strings.Repeat("A", 43)} {
			_, err := s.VerifyEmail(ctx, bad)
			wantField(t, err, "token", shop.ReasonFormat)
		}
		clock.Advance(23 * time.Hour)
		got, err := s.VerifyEmail(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != m.ID || !got.Verified() || !got.VerifiedAt.Equal(clock.Now()) {
			t.Fatalf("verified member %d at %v, want %d at %v", got.ID, got.VerifiedAt, m.ID, clock.Now())
		}
		_, err = s.VerifyEmail(ctx, token)
		wantField(t, err, "token", shop.ReasonFormat) // single use

		// A verified member gets no further link.
		if err := s.SendVerification(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(mails(t, d, "taro@example.jp", "verify_email")); n != 1 {
			t.Fatalf("%d verification mails to a verified member, want 1", n)
		}
	})
}

func TestVerifyEmailExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		token := tokenIn(t, lastMail(t, d, m.Email, "verify_email").Body, "/account/verify")
		clock.Advance(24 * time.Hour)
		_, err := s.VerifyEmail(ctx, token)
		wantField(t, err, "token", shop.ReasonFormat)

		// A new link works, and the expired one still does not.
		if err := s.SendVerification(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		fresh := tokenIn(t, lastMail(t, d, m.Email, "verify_email").Body, "/account/verify")
		if fresh == token {
			t.Fatal("the new link has the old token")
		}
		if _, err := s.VerifyEmail(ctx, fresh); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEnglishMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		in := validInput("mary@example.com")
		in.Name, in.Locale = "Mary Smith", "en"
		m, err := s.Register(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if m.Locale != "en" {
			t.Fatalf("locale=%q, want en", m.Locale)
		}
		msg := lastMail(t, d, "mary@example.com", "verify_email")
		if !strings.HasPrefix(msg.Subject, "[Kaede Acupuncture & Massage Supplies]") || !strings.HasPrefix(msg.Body, "Dear Mary Smith,") {
			t.Fatalf("not the English mail:\n%s\n\n%s", msg.Subject, msg.Body)
		}
		tokenIn(t, msg.Body, "/account/verify")
	})
}
