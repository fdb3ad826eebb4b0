package privacy_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/password"
	"kaede/internal/privacy"
	"kaede/internal/shop"
)

// The shop's memo on an order is personal data held about the customer:
// the disclosure file shows it with its order, and an order without a memo
// shows none.
func TestDiscloseShowsShopMemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		q := mail.NewTestQueue(clock)
		members := member.New(d, q, clock, "https://shop.example")
		if err := members.SetHashParams(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}); err != nil {
			t.Fatal(err)
		}
		m, err := members.Register(ctx, member.RegisterInput{Email: "hanako@example.jp", Password: "correct horse battery",
			Name: "山田 花子", NameKana: "ヤマダ ハナコ"})
		if err != nil {
			t.Fatal(err)
		}
		carts, orders := cart.New(d, clock), order.New(d, q, clock)
		co := checkout.New(d, carts, orders, q, clock, "https://shop.example")
		carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 100, Reduced: true})
		var numbers []string
		for i := range 2 {
			v := shop.Viewer{MemberID: m.ID}
			c, err := carts.Create(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := carts.AddItem(ctx, c.ID, "TEA", 1, v); err != nil {
				t.Fatal(err)
			}
			o, _, err := co.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "hanako@example.jp",
				Address: shop.Address{Name: "山田 花子", NameKana: "ヤマダ ハナコ", PostalCode: "100-0001", Prefecture: 13,
					City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
				PaymentMethod: "bank_transfer", IdempotencyKey: "privacy-" + string(rune('a'+i))})
			if err != nil {
				t.Fatalf("place: %v", err)
			}
			numbers = append(numbers, o.Number)
		}
		staff := audit.Actor{Name: "hanako@kaede.example", IP: "192.0.2.10"}
		const memo = "12/1 お電話あり。院長不在時は受付の佐藤様へ。"
		if err := orders.SetMemo(ctx, numbers[0], memo, staff); err != nil {
			t.Fatal(err)
		}

		doc, err := privacy.Disclose(ctx, members, orders, "楓", m.ID, staff, now)
		if err != nil {
			t.Fatal(err)
		}
		memos := map[string]*privacy.Memo{}
		for _, o := range doc.Orders {
			memos[o.Number] = o.ShopMemo
		}
		if len(memos) != 2 {
			t.Fatalf("%d orders disclosed, want 2", len(memos))
		}
		if got := memos[numbers[0]]; got == nil || got.Body != memo || !got.UpdatedAt.Equal(now) {
			t.Errorf("memo of %s disclosed as %+v, want %q", numbers[0], got, memo)
		}
		if got := memos[numbers[1]]; got != nil {
			t.Errorf("order without a memo disclosed one: %+v", got)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"shop_memo":{"body":"12/1 お電話あり`) || strings.Contains(string(b), staff.Name) {
			t.Errorf("disclosure JSON: %s", b)
		}
	})
}
