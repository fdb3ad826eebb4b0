package member_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

func TestUpdateProfileValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "taro@example.com")
		for _, tc := range []struct {
			name  string
			in    member.ProfileInput
			field string // "" = accepted
		}{
			{"ok", member.ProfileInput{Name: "鈴木 花子", NameKana: "すずき はなこ", Phone: "03-1234-5678"}, ""},
			{"no phone", member.ProfileInput{Name: "鈴木 花子", NameKana: "スズキ ハナコ"}, ""},
			{"no name", member.ProfileInput{Name: " ", NameKana: "スズキ"}, "name"},
			{"kana not kana", member.ProfileInput{Name: "鈴木", NameKana: "suzuki"}, "name_kana"},
			{"bad phone", member.ProfileInput{Name: "鈴木", NameKana: "スズキ", Phone: "call me"}, "phone"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, _ := s.Get(ctx, m.ID)
				err := s.UpdateProfile(ctx, m.ID, tc.in)
				after, _ := s.Get(ctx, m.ID)
				if tc.field != "" {
					wantCode(t, err, shop.Invalid)
					if _, ok := err.(*shop.Error).Fields[tc.field]; !ok {
						t.Fatalf("error %v does not name %s", err, tc.field)
					}
					if *after != *before {
						t.Fatalf("member changed on a refused update: %+v", after)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if after.Name != tc.in.Name || after.Email != "taro@example.com" {
					t.Fatalf("after update %+v", after)
				}
			})
		}
	})
}

func TestEmailChangeAppliesOnlyWhenTheLinkIsOpened(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "old@example.com")
		pw := validInput("").Password

		err := s.RequestEmailChange(ctx, m.ID, "new@example.com", "wrong password!", "")
		wantField(t, err, "current_password", shop.ReasonMismatch)
		wantField(t, s.RequestEmailChange(ctx, m.ID, "not an address", pw, ""), "email", shop.ReasonFormat)
		wantField(t, s.RequestEmailChange(ctx, m.ID, "OLD@example.com", pw, ""), "email", shop.ReasonTaken)
		// Three tries an hour (settings.Limits.ResendsPerAccount), wrong
		// passwords included.
		wantCode(t, s.RequestEmailChange(ctx, m.ID, "new@example.com", pw, ""), shop.TooMany)
		if len(mails(t, d, "new@example.com", "email_change")) != 0 {
			t.Fatal("a refused request sent a link")
		}
		clock.Advance(61 * time.Minute)

		if err := s.RequestEmailChange(ctx, m.ID, "New@Example.com", pw, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, m.ID); got.Email != "old@example.com" {
			t.Fatalf("address changed before the link was opened: %s", got.Email)
		}
		if p, err := s.PendingEmail(ctx, m.ID); err != nil || p != "new@example.com" {
			t.Fatalf("pending %q %v", p, err)
		}
		token := tokenIn(t, lastMail(t, d, "new@example.com", "email_change").Body, "/account/email/confirm")

		clock.Advance(time.Hour)
		got, err := s.ConfirmEmailChange(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "new@example.com" || !got.Verified() {
			t.Fatalf("after confirming: %+v", got)
		}
		if len(mails(t, d, "old@example.com", "email_changed")) != 1 {
			t.Fatal("the old address was not told")
		}
		wantField(t, func() error { _, err := s.ConfirmEmailChange(ctx, token); return err }(), "token", shop.ReasonFormat)
		if _, err := s.Authenticate(ctx, "new@example.com", pw, "192.0.2.1"); err != nil {
			t.Fatalf("log-in with the new address: %v", err)
		}
	})
}

func TestEmailChangeToATakenAddressTellsOnlyItsOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "asker@example.com")
		register(t, s, "owner@example.com")
		if err := s.RequestEmailChange(ctx, m.ID, "owner@example.com", validInput("").Password, ""); err != nil {
			t.Fatalf("a taken address answered %v, want the same as a free one", err)
		}
		if len(mails(t, d, "owner@example.com", "email_change_taken")) != 1 || len(mails(t, d, "owner@example.com", "email_change")) != 0 {
			t.Fatal("the owner should get the taken notice and no link")
		}
		if p, _ := s.PendingEmail(ctx, m.ID); p != "" {
			t.Fatalf("pending %q for a taken address", p)
		}
	})
}

func TestEmailChangeLinkExpiresAndLosesARace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		pw := validInput("").Password
		a := register(t, s, "a@example.com")
		b := register(t, s, "b@example.com")
		if err := s.RequestEmailChange(ctx, a.ID, "x@example.com", pw, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestEmailChange(ctx, b.ID, "x@example.com", pw, ""); err != nil {
			t.Fatal(err)
		}
		links := mails(t, d, "x@example.com", "email_change")
		first := tokenIn(t, links[0].Body, "/account/email/confirm")
		second := tokenIn(t, links[1].Body, "/account/email/confirm")
		if _, err := s.ConfirmEmailChange(ctx, second); err != nil {
			t.Fatal(err)
		}
		_, err := s.ConfirmEmailChange(ctx, first)
		wantCode(t, err, shop.Conflict)
		if got, _ := s.Get(ctx, a.ID); got.Email != "a@example.com" {
			t.Fatalf("a's address %s after losing the race", got.Email)
		}

		if err := s.RequestEmailChange(ctx, a.ID, "y@example.com", pw, ""); err != nil {
			t.Fatal(err)
		}
		late := tokenIn(t, lastMail(t, d, "y@example.com", "email_change").Body, "/account/email/confirm")
		clock.Advance(25 * time.Hour)
		_, err = s.ConfirmEmailChange(ctx, late)
		wantField(t, err, "token", shop.ReasonFormat)
	})
}

func TestFavouritesAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "fav@example.com")
		products := make([]int64, member.MaxFavourites+1)
		for i := range products {
			products[i] = productOf(t, d, carttest.AddVariant(t, d, carttest.Variant{SKU: fmt.Sprintf("F%03d", i), Price: 100, Stock: 1}))
		}
		for _, p := range products[:member.MaxFavourites] {
			if err := s.AddFavourite(ctx, m.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddFavourite(ctx, m.ID, products[0]); err != nil {
			t.Fatalf("adding a favourite again: %v", err)
		}
		wantField(t, s.AddFavourite(ctx, m.ID, products[member.MaxFavourites]), "favourites", shop.ReasonLength)
		if err := s.RemoveFavourite(ctx, m.ID, products[0]); err != nil {
			t.Fatal(err)
		}
		if on, _ := s.IsFavourite(ctx, m.ID, products[0]); on {
			t.Fatal("removed favourite still on")
		}
		if err := s.AddFavourite(ctx, m.ID, products[member.MaxFavourites]); err != nil {
			t.Fatal(err)
		}
		ids, err := s.Favourites(ctx, m.ID)
		if err != nil || len(ids) != member.MaxFavourites {
			t.Fatalf("favourites %d %v, want %d", len(ids), err, member.MaxFavourites)
		}
	})
}

func TestRecentViewsKeepTheLatest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "view@example.com")
		var products []int64
		for i := range member.MaxRecentViews + 5 {
			p := productOf(t, d, carttest.AddVariant(t, d, carttest.Variant{SKU: fmt.Sprintf("V%03d", i), Price: 100, Stock: 1}))
			products = append(products, p)
			clock.Advance(time.Second)
			if err := s.RecordView(ctx, m.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Second)
		if err := s.RecordView(ctx, m.ID, products[10]); err != nil { // seen again: first
			t.Fatal(err)
		}
		ids, err := s.RecentViews(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != member.MaxRecentViews || ids[0] != products[10] || ids[1] != products[len(products)-1] {
			t.Fatalf("recent %v, want %d starting %d, %d", ids, member.MaxRecentViews, products[10], products[len(products)-1])
		}
		for _, id := range ids {
			if id == products[0] {
				t.Fatal("the oldest view was kept")
			}
		}
	})
}

func productOf(t *testing.T, d *db.DB, variantID int64) int64 {
	t.Helper()
	var id int64
	if err := d.QueryRowContext(context.Background(), `SELECT product_id FROM variants WHERE id = $1`, variantID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEraseDropsFavouritesViewsAndEmailChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "gone@example.jp")
		p := productOf(t, d, carttest.AddVariant(t, d, carttest.Variant{SKU: "G1", Price: 100, Stock: 1}))
		if err := s.AddFavourite(ctx, m.ID, p); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordView(ctx, m.ID, p); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestEmailChange(ctx, m.ID, "next@example.jp", validInput("").Password, ""); err != nil {
			t.Fatal(err)
		}
		got, err := s.Disclose(ctx, m.ID, audit.System("test"))
		if err != nil || len(got.Favourites) != 1 || got.Favourites[0].ProductID != p || len(got.RecentViews) != 1 {
			t.Fatalf("disclosure %+v, %v: want the favourite and the view", got, err)
		}
		if err := s.Erase(ctx, m.ID, "ご本人からの削除請求", audit.System("test")); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"member_favourites", "member_recent_views", "member_email_changes"} {
			if n := carttest.Count(t, d, table); n != 0 {
				t.Errorf("%s keeps %d rows of an erased member", table, n)
			}
		}
	})
}
