package order_test

import (
	"context"
	"database/sql"
	"kaede/internal/audit"
	"strings"
	"testing"
	"time"

	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/shop"
)

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		a := f.placeAs(t, taro(), order.BankTransfer) // K20261125-0001
		b := f.placeAs(t, hanako(), order.COD)        // K20261125-0002
		c := f.placeAs(t, taro(), order.COD)          // K20261125-0003
		if _, err := f.orders.MarkPaid(ctx, a.Number, staff); err != nil {
			t.Fatal(err)
		}
		// An order of the next day in Tokyo (23:30 UTC).
		late := func() time.Time { return time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC) }
		next := f
		next.orders = order.New(d, mail.NewTestQueue(late), late)
		next.checkout = checkout.New(d, f.carts, next.orders, mail.NewTestQueue(late), late, "https://kaede.example")
		e := next.placeAs(t, hanako(), order.BankTransfer) // K20261126-0001

		tests := []struct {
			name string
			q    order.AdminQuery
			want []string // numbers, newest first
		}{
			{"all", order.AdminQuery{}, []string{e.Number, c.Number, b.Number, a.Number}},
			{"number in lower case", order.AdminQuery{Q: "k20261125-0002"}, []string{b.Number}},
			{"e-mail in another case", order.AdminQuery{Q: "HANAKO.SATO@"}, []string{e.Number, b.Number}},
			{"name without the space", order.AdminQuery{Q: "山田太郎"}, []string{c.Number, a.Number}},
			{"family name, full-width space", order.AdminQuery{Q: "佐藤　"}, []string{e.Number, b.Number}},
			{"kana in hiragana", order.AdminQuery{Q: "さとう はなこ"}, []string{e.Number, b.Number}},
			{"phone without hyphens", order.AdminQuery{Q: "09011112222"}, []string{e.Number, b.Number}},
			{"part of a phone", order.AdminQuery{Q: "1234-5678"}, []string{c.Number, a.Number}},
			{"full-width digits", order.AdminQuery{Q: "０３１２３４"}, []string{c.Number, a.Number}},
			{"LIKE wildcards are literal", order.AdminQuery{Q: "%"}, nil},
			{"status", order.AdminQuery{Status: order.Paid}, []string{a.Number}},
			{"method", order.AdminQuery{Method: order.COD}, []string{c.Number, b.Number}},
			{"status and method", order.AdminQuery{Status: order.Placed, Method: order.BankTransfer}, []string{e.Number}},
			{"one day in Tokyo", order.AdminQuery{From: "2026-11-25", To: "2026-11-25"}, []string{c.Number, b.Number, a.Number}},
			{"from the next day", order.AdminQuery{From: "2026-11-26"}, []string{e.Number}},
			{"up to the day before", order.AdminQuery{To: "2026-11-24"}, nil},
			{"text and dates", order.AdminQuery{Q: "佐藤", To: "2026-11-25"}, []string{b.Number}},
			{"page", order.AdminQuery{Limit: 2, Offset: 1}, []string{c.Number, b.Number}},
			{"past the end", order.AdminQuery{Offset: 10}, nil},
		}
		for _, tt := range tests {
			got, total, err := f.orders.Search(ctx, tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var numbers []string
			for _, o := range got {
				numbers = append(numbers, o.Number)
			}
			if strings.Join(numbers, " ") != strings.Join(tt.want, " ") {
				t.Errorf("%s: got %v, want %v", tt.name, numbers, tt.want)
			}
			wantTotal := len(tt.want)
			switch tt.name {
			case "page", "past the end":
				wantTotal = 4
			}
			if total != wantTotal {
				t.Errorf("%s: total=%d, want %d", tt.name, total, wantTotal)
			}
		}
		got, _, _ := f.orders.Search(ctx, order.AdminQuery{Q: b.Number})
		if len(got) != 1 || len(got[0].Lines) != 2 || got[0].Address.Name != "佐藤 花子" || got[0].Payment.Method != order.COD {
			t.Fatalf("found order not loaded in full: %+v", got)
		}

		bad := []struct {
			q             order.AdminQuery
			field, reason string
		}{
			{order.AdminQuery{Status: "lost"}, "status", shop.ReasonChoice},
			{order.AdminQuery{Method: "cheque"}, "method", shop.ReasonChoice},
			{order.AdminQuery{From: "2026/11/25"}, "from", shop.ReasonFormat},
			{order.AdminQuery{To: "25-11-2026"}, "to", shop.ReasonFormat},
			{order.AdminQuery{From: "2026-11-26", To: "2026-11-25"}, "to", shop.ReasonRange},
			{order.AdminQuery{Limit: order.MaxSearchLimit + 1}, "limit", shop.ReasonRange},
			{order.AdminQuery{Limit: -1}, "limit", shop.ReasonRange},
			{order.AdminQuery{Offset: -1}, "offset", shop.ReasonRange},
			{order.AdminQuery{Q: strings.Repeat("あ", 101)}, "q", shop.ReasonLength},
		}
		for _, tt := range bad {
			_, _, err := f.orders.Search(ctx, tt.q)
			wantField(t, "search "+tt.field, err, tt.field, tt.reason)
		}
	})
}

func TestStaffTransitions(t *testing.T) {
	type step struct {
		action string // paid, ship, delivered, cancel
		code   shop.Code
		status order.Status
		state  order.PaymentState
	}
	tests := []struct {
		name   string
		method order.PaymentMethod
		steps  []step
	}{
		{"bank transfer", order.BankTransfer, []step{
			{"ship", shop.Conflict, "", ""}, // not before the money
			{"delivered", shop.Conflict, "", ""},
			{"paid", "", order.Paid, order.PaymentSucceeded},
			{"paid", shop.Conflict, "", ""},
			{"ship", "", order.Shipped, order.PaymentSucceeded},
			{"cancel", shop.Conflict, "", ""},
			{"delivered", "", order.Delivered, order.PaymentSucceeded},
			{"cancel", shop.Conflict, "", ""},
		}},
		{"cash on delivery", order.COD, []step{
			{"paid", shop.Conflict, "", ""}, // paid at the door, not by hand
			{"ship", "", order.Shipped, order.PaymentPending},
			{"delivered", "", order.Delivered, order.PaymentSucceeded},
		}},
		{"refused at the door", order.COD, []step{
			{"ship", "", order.Shipped, order.PaymentPending},
			{"cancel", "", order.Cancelled, order.PaymentCancelled},
			{"delivered", shop.Conflict, "", ""},
		}},
		{"cancelled before payment", order.BankTransfer, []step{
			{"cancel", "", order.Cancelled, order.PaymentCancelled},
			{"paid", shop.Conflict, "", ""},
		}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		audited := 0
		for _, tt := range tests {
			o := f.placeAs(t, taro(), tt.method)
			for i, st := range tt.steps {
				var got *order.Order
				var err error
				switch st.action {
				case "paid":
					got, err = f.orders.MarkPaid(ctx, o.Number, staff)
				case "ship":
					got, err = f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff)
				case "delivered":
					got, err = f.orders.MarkDelivered(ctx, o.Number, staff)
				case "cancel":
					got, err = f.orders.CancelByStaff(ctx, o.Number, "在庫切れのため", staff)
				}
				if st.code != "" {
					wantCode(t, tt.name+" step "+st.action, err, st.code)
					continue
				}
				if err != nil {
					t.Fatalf("%s step %d %s: %v", tt.name, i, st.action, err)
				}
				audited++
				if got.Status != st.status || got.Payment.State != st.state {
					t.Fatalf("%s step %d %s: status %s payment %s, want %s %s", tt.name, i, st.action,
						got.Status, got.Payment.State, st.status, st.state)
				}
			}
		}
		// Refused actions leave no trace in the audit log.
		verifyAudit(t, d, audited)

		for _, fn := range []func(string) error{
			func(n string) error { _, err := f.orders.MarkPaid(ctx, n, staff); return err },
			func(n string) error { _, err := f.orders.MarkDelivered(ctx, n, staff); return err },
			func(n string) error { _, err := f.orders.CancelByStaff(ctx, n, "理由", staff); return err },
			func(n string) error { _, err := f.orders.MarkRefunded(ctx, n, 100, staff); return err },
			func(n string) error {
				_, err := f.orders.Ship(ctx, n, order.Shipment{Carrier: order.Sagawa, TrackingNumber: "1234567890"}, staff)
				return err
			},
		} {
			wantCode(t, "unknown order", fn("K20990101-0001"), shop.NotFound)
		}
	})
}

func TestStaffActionsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.placeAs(t, taro(), order.BankTransfer)
		if _, err := f.orders.MarkPaid(ctx, o.Number, staff); err != nil {
			t.Fatal(err)
		}
		paid := auditEntries(t, d, "order.paid")
		if len(paid) != 1 {
			t.Fatalf("%d order.paid entries, want 1", len(paid))
		}
		e := paid[0]
		if e.Actor != staff.Name || e.IP != staff.IP || e.Target != "order:"+o.Number {
			t.Fatalf("entry actor=%q ip=%q target=%q", e.Actor, e.IP, e.Target)
		}
		before, after := decodeState(t, e.Before), decodeState(t, e.After)
		if before.Status != order.Placed || before.Payment.State != order.PaymentPending ||
			after.Status != order.Paid || after.Payment.State != order.PaymentSucceeded {
			t.Fatalf("before %+v after %+v", before, after)
		}

		if _, err := f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.JapanPost, TrackingNumber: "1234-5678-9012"}, staff); err != nil {
			t.Fatal(err)
		}
		ship := auditEntries(t, d, "order.ship")
		if len(ship) != 1 {
			t.Fatalf("%d order.ship entries, want 1", len(ship))
		}
		before, after = decodeState(t, ship[0].Before), decodeState(t, ship[0].After)
		if len(before.Shipments) != 0 || len(after.Shipments) != 1 || after.Shipments[0].TrackingNumber != "123456789012" ||
			after.Shipments[0].Carrier != order.JapanPost || after.Status != order.Shipped {
			t.Fatalf("ship before %+v after %+v", before, after)
		}

		c := f.placeAs(t, taro(), order.COD)
		if _, err := f.orders.CancelByStaff(ctx, c.Number, "  ", staff); err == nil {
			t.Fatal("cancel without a reason accepted")
		} else {
			wantField(t, "cancel without reason", err, "reason", shop.ReasonRequired)
		}
		got, err := f.orders.CancelByStaff(ctx, c.Number, "お客様よりお電話でキャンセルのご依頼", staff)
		if err != nil {
			t.Fatal(err)
		}
		if last := got.Events[len(got.Events)-1]; last.To != order.Cancelled || last.Note != "お客様よりお電話でキャンセルのご依頼" {
			t.Fatalf("cancel event %+v", last)
		}
		if a := carttest.Stock(t, d, "A"); a != 97 { // the bank-transfer order keeps its 3
			t.Fatalf("stock of A after staff cancel = %d, want 97", a)
		}
		if _, bodies := mailBodies(t, d, c.ID, "order_cancelled"); len(bodies) != 1 {
			t.Fatalf("%d cancellation mails, want 1", len(bodies))
		}
		cancel := auditEntries(t, d, "order.cancel")
		if len(cancel) != 1 || decodeState(t, cancel[0].After).Extra["note"] != "お客様よりお電話でキャンセルのご依頼" {
			t.Fatalf("cancel entries %+v", cancel)
		}
		if _, err := f.orders.MarkDelivered(ctx, o.Number, staff); err != nil {
			t.Fatal(err)
		}
		if n := len(auditEntries(t, d, "order.delivered")); n != 1 {
			t.Fatalf("%d order.delivered entries, want 1", n)
		}
		verifyAudit(t, d, 4)

		// An action without an actor is refused and changes nothing.
		x := f.placeAs(t, taro(), order.BankTransfer)
		if _, err := f.orders.MarkPaid(ctx, x.Number, audit.Actor{}); err == nil {
			t.Fatal("MarkPaid without an actor succeeded")
		}
		if got, _ := f.orders.Get(ctx, x.Number); got.Status != order.Placed {
			t.Fatalf("status after refused MarkPaid = %s, want placed", got.Status)
		}

		// The store's own Transition and Cancel still work unaudited.
		y := f.placeAs(t, taro(), order.BankTransfer)
		if _, err := f.orders.Transition(ctx, y.Number, order.Paid, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.orders.Cancel(ctx, y.Number, "お客様のご依頼"); err != nil {
			t.Fatal(err)
		}
		verifyAudit(t, d, 4)
	})
}

func TestMarkRefunded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.placeAs(t, taro(), order.BankTransfer)
		wantCode(t, "refund before payment", func() error { _, err := f.orders.MarkRefunded(ctx, o.Number, 100, staff); return err }(), shop.Conflict)
		if _, err := f.orders.MarkPaid(ctx, o.Number, staff); err != nil {
			t.Fatal(err)
		}
		// Paid, then cancelled: the money is to go back.
		if _, err := f.orders.CancelByStaff(ctx, o.Number, "お客様のご都合", staff); err != nil {
			t.Fatal(err)
		}
		for _, amount := range []shop.Yen{0, -5} {
			_, err := f.orders.MarkRefunded(ctx, o.Number, amount, staff)
			wantField(t, "refund of "+amount.String(), err, "amount", shop.ReasonRange)
		}
		got, err := f.orders.MarkRefunded(ctx, o.Number, 1000, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Payment.State != order.PaymentPartiallyRefunded {
			t.Fatalf("after a partial refund: payment %s, want partially_refunded", got.Payment.State)
		}
		rest := o.Total - 1000
		_, err = f.orders.MarkRefunded(ctx, o.Number, rest+1, staff)
		wantField(t, "over-refund", err, "amount", shop.ReasonRange)
		got, err = f.orders.MarkRefunded(ctx, o.Number, rest, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Payment.State != order.PaymentRefunded || got.Status != order.Cancelled {
			t.Fatalf("after the full refund: status %s payment %s", got.Status, got.Payment.State)
		}
		wantCode(t, "refund past the total", func() error { _, err := f.orders.MarkRefunded(ctx, o.Number, 1, staff); return err }(), shop.Conflict)

		detail, err := f.orders.GetDetail(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		if detail.Refunded != o.Total || len(detail.Refunds) != 2 || detail.Refunds[0].Amount != 1000 ||
			detail.Refunds[1].Amount != rest || detail.Refunds[0].CreatedBy != staff.Name {
			t.Fatalf("detail refunded=%d refunds=%+v", detail.Refunded, detail.Refunds)
		}
		entries := auditEntries(t, d, "order.refund")
		if len(entries) != 2 {
			t.Fatalf("%d order.refund entries, want 2", len(entries))
		}
		last := decodeState(t, entries[1].After)
		if last.Payment.State != order.PaymentRefunded || last.Payment.Refunded != o.Total || last.Extra["amount"] != float64(rest) {
			t.Fatalf("last refund entry after %+v", last)
		}
		if before := decodeState(t, entries[1].Before); before.Payment.Refunded != 1000 {
			t.Fatalf("last refund entry before refunded=%d, want 1000", before.Payment.Refunded)
		}
		verifyAudit(t, d, 4) // paid, cancel, two refunds

		// A delivered cash-on-delivery order returned in part.
		c := f.placeAs(t, taro(), order.COD)
		for _, step := range []func() error{
			func() error {
				_, err := f.orders.Ship(ctx, c.Number, order.Shipment{Carrier: order.Sagawa, TrackingNumber: "1234567890"}, staff)
				return err
			},
			func() error { _, err := f.orders.MarkDelivered(ctx, c.Number, staff); return err },
			func() error { _, err := f.orders.MarkRefunded(ctx, c.Number, 550, staff); return err },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := f.orders.Get(ctx, c.Number); got.Status != order.Delivered || got.Payment.State != order.PaymentPartiallyRefunded {
			t.Fatalf("COD return: status %s payment %s", got.Status, got.Payment.State)
		}

		// Card refunds are recorded only as provider refunds.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := f.orders.RecordRefundTx(ctx, tx, c.Number, order.Refund{Amount: 1, ProviderRef: "re_1"}, staff)
			return err
		})
		wantCode(t, "provider refund of a COD order", err, shop.Conflict)
	})
}
