package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/billing"
	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// staff is who approves the clinics and records their payments.
var staff = audit.Actor{Name: "hanako@kaede.example", IP: "192.0.2.10"}

// fixture is a shop with a needle at ¥105 (10 %) and a tea at ¥1,080
// (8 %, reduced), a clinic member and a clock the test moves.
type fixture struct {
	d        *db.DB
	now      *time.Time
	carts    *cart.Service
	orders   *order.Service
	checkout *checkout.Service
	billing  *billing.Service
	clinic   int64
}

func jst(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, shop.JST).UTC()
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	now := jst(2026, 12, 3, 10)
	f := &fixture{d: d, now: &now}
	clock := func() time.Time { return *f.now }
	q := mail.NewTestQueue(clock)
	f.carts = cart.New(d, clock)
	f.orders = order.New(d, q, clock)
	f.checkout = checkout.New(d, f.carts, f.orders, q, clock, "https://kaede.example")
	f.billing = billing.New(d, f.orders, member.New(d, q, clock, "https://kaede.example"), q, clock, "https://kaede.example")
	f.checkout.UseAccounts(f.billing)
	carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 105, Stock: 100})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 100, Reduced: true})
	f.clinic = carttest.AddMember(t, d, "clinic@example.jp", true)
	return f
}

// approve makes the clinic a business customer with the limit.
func (f *fixture) approve(t *testing.T, limit string) {
	t.Helper()
	_, err := f.billing.Decide(context.Background(), f.clinic, billing.Decision{Status: billing.Approved,
		Company: "医療法人 楓会 かえで鍼灸院", CreditLimit: limit}, staff)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
}

var placed int

// place orders the items (SKU → quantity) as the clinic, paid by method.
func (f *fixture) place(t *testing.T, method order.PaymentMethod, items map[string]int) (*order.Order, error) {
	t.Helper()
	ctx := context.Background()
	v := shop.Viewer{MemberID: f.clinic, Practitioner: true}
	c, err := f.carts.Create(ctx, f.clinic)
	if err != nil {
		t.Fatal(err)
	}
	for sku, qty := range items {
		if _, err := f.carts.AddItem(ctx, c.ID, sku, qty, v); err != nil {
			t.Fatalf("add %s: %v", sku, err)
		}
	}
	placed++
	o, _, err := f.checkout.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "clinic@example.jp",
		Address: shop.Address{Name: "かえで鍼灸院", NameKana: "カエデシンキュウイン", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("billing-test-%d", placed)})
	return o, err
}

func (f *fixture) mustPlace(t *testing.T, items map[string]int) *order.Order {
	t.Helper()
	o, err := f.place(t, order.Invoice, items)
	if err != nil {
		t.Fatalf("place on invoice: %v", err)
	}
	return o
}

// outbox returns the stored e-mails of the kind, oldest first.
func outbox(t *testing.T, d *db.DB, kind string) []mail.Stored {
	t.Helper()
	all, err := mail.List(context.Background(), d, mail.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Stored
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Kind == kind {
			out = append(out, all[i])
		}
	}
	return out
}

// clinicMonth places the scenario's three orders on account in December
// 2026, and one bank transfer that the invoice must leave out, then moves
// the clock into January.
func (f *fixture) clinicMonth(t *testing.T) []*order.Order {
	t.Helper()
	f.approve(t, "100,000")
	var orders []*order.Order
	for i, items := range []map[string]int{{"NEEDLE": 1, "TEA": 1}, {"NEEDLE": 1}, {"NEEDLE": 1, "TEA": 2}} {
		*f.now = jst(2026, 12, 3+7*i, 10)
		o := f.mustPlace(t, items)
		if o.Status != order.Placed {
			t.Fatalf("order on account is %s, want placed", o.Status)
		}
		orders = append(orders, o)
	}
	if _, err := f.place(t, order.BankTransfer, map[string]int{"NEEDLE": 2}); err != nil {
		t.Fatalf("bank transfer: %v", err)
	}
	*f.now = jst(2027, 1, 1, 9)
	return orders
}

func TestClinicReceivesOneInvoiceForTheMonth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		orders := f.clinicMonth(t)
		// A shipped order is billed as well: the goods go before the money.
		if _, err := f.orders.Transition(ctx, orders[0].Number, order.Shipped, ""); err != nil {
			t.Fatalf("ship on account: %v", err)
		}

		*f.now = jst(2026, 12, 31, 23)
		if _, err := f.billing.Close(ctx, "2026-12", staff); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("close before the month ends: %v, want a conflict", err)
		}
		*f.now = jst(2027, 1, 1, 9)
		issued, err := f.billing.Close(ctx, "2026-12", staff)
		if err != nil {
			t.Fatalf("close: %v", err)
		}
		if len(issued) != 1 {
			t.Fatalf("issued %d invoices, want 1", len(issued))
		}
		inv := issued[0]
		// Three times (¥105 + ¥880 shipping), the tea three times ¥1,080.
		if inv.Orders != 3 || inv.Total != 6195 {
			t.Fatalf("invoice has %d orders for %s, want 3 for ¥6,195", inv.Orders, inv.Total)
		}
		// The end of January 2027 is a Sunday: due the Monday after.
		if got := inv.DueOn.Format(time.DateOnly); got != "2027-02-01" {
			t.Errorf("due %s, want 2027-02-01", got)
		}
		again, err := f.billing.Close(ctx, "2026-12", staff)
		if err != nil || len(again) != 0 {
			t.Fatalf("second close issued %d (%v), want none", len(again), err)
		}
		if n := carttest.Count(t, d, "billing_invoices"); n != 1 {
			t.Fatalf("%d invoices stored, want 1", n)
		}

		_, pdf, err := f.billing.PDF(ctx, inv.Number, f.clinic)
		if err != nil {
			t.Fatalf("pdf: %v", err)
		}
		*f.now = jst(2027, 3, 1, 9)
		_, pdf2, err := f.billing.PDF(ctx, inv.Number, 0)
		if err != nil {
			t.Fatalf("pdf again: %v", err)
		}
		if string(pdf) != string(pdf2) {
			t.Error("the same invoice gave different bytes")
		}
		text := strings.Join(pdftext.Pages(t, pdf), "\n")
		want := []string{"請求書", inv.Number, "医療法人 楓会 かえで鍼灸院", "登録番号：T1234567890123",
			"¥6,195", "2027年2月1日", "※", "軽減税率",
			// 10 %: ¥2,955 in all, its tax once on the invoice: ¥268 (per
			// order it would be 3 × ¥89 = ¥267). 8 %: ¥3,240, tax ¥240.
			"¥2,955", "¥2,687", "¥268", "¥3,240", "¥3,000", "¥240"}
		for _, o := range orders {
			want = append(want, o.Number, o.Total.String())
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("PDF lacks %q:\n%s", w, text)
			}
		}
		if strings.Contains(text, "¥267") {
			t.Error("PDF shows the tax added up per order")
		}
		if _, _, err := f.billing.PDF(ctx, inv.Number, f.clinic+1000); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("another member's download: %v, want not found", err)
		}

		mails := outbox(t, d, "billing_issued")
		if len(mails) != 1 || mails[0].To != "clinic@example.jp" {
			t.Fatalf("issue e-mails %+v, want one to the clinic", mails)
		}
		for _, w := range []string{"ご請求書", "¥6,195", "2027年2月1日", "https://kaede.example/account/invoices", "お願い申し上げます"} {
			if !strings.Contains(mails[0].Body, w) {
				t.Errorf("issue e-mail lacks %q:\n%s", w, mails[0].Body)
			}
		}
	})
}

func TestCreditLimitRefusesPolitely(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		if _, err := f.place(t, order.Invoice, map[string]int{"NEEDLE": 1}); shop.ErrorFields(err)["payment_method"] != shop.ReasonChoice {
			t.Fatalf("not approved: %v, want payment_method %s", err, shop.ReasonChoice)
		}
		f.approve(t, "3000")
		f.mustPlace(t, map[string]int{"NEEDLE": 1, "TEA": 1}) // ¥2,065
		stock := carttest.Stock(t, d, "NEEDLE")
		_, err := f.place(t, order.Invoice, map[string]int{"NEEDLE": 1}) // ¥985 more: ¥3,050
		if shop.ErrorCode(err) != shop.Invalid || shop.ErrorFields(err)["payment_method"] != shop.ReasonCreditLimit {
			t.Fatalf("over the limit: %v (%v), want payment_method %s", err, shop.ErrorFields(err), shop.ReasonCreditLimit)
		}
		if got := carttest.Stock(t, d, "NEEDLE"); got != stock {
			t.Errorf("stock %d after the refusal, want %d", got, stock)
		}
		ja := ui.FieldMessage(ui.Japanese, "payment_method", shop.ReasonCreditLimit)
		en := ui.FieldMessage(ui.English, "payment_method", shop.ReasonCreditLimit)
		if !strings.Contains(ja, "ご利用限度額") || !strings.Contains(ja, "申し訳ございません") || !strings.Contains(en, "credit limit") {
			t.Errorf("messages %q / %q", ja, en)
		}
		// Another method is still welcome.
		if _, err := f.place(t, order.BankTransfer, map[string]int{"NEEDLE": 1}); err != nil {
			t.Fatalf("bank transfer: %v", err)
		}
		// A suspended account orders on account no more.
		if _, err := f.billing.Decide(context.Background(), f.clinic, billing.Decision{Status: billing.Suspended,
			Company: "かえで鍼灸院"}, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := f.place(t, order.Invoice, map[string]int{"TEA": 1}); shop.ErrorFields(err)["payment_method"] != shop.ReasonChoice {
			t.Fatalf("suspended: %v, want payment_method %s", err, shop.ReasonChoice)
		}
	})
}

func TestDecideValidatesAndAudits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		for _, c := range []struct {
			in    billing.Decision
			field string
		}{
			{billing.Decision{Status: billing.Approved, Company: "楓会"}, "credit_limit"},
			{billing.Decision{Status: billing.Approved, Company: "楓会", CreditLimit: "十万"}, "credit_limit"},
			{billing.Decision{Status: billing.Approved, Company: "楓会", CreditLimit: "1000000000"}, "credit_limit"},
			{billing.Decision{Status: billing.Approved, CreditLimit: "1000"}, "billing_name"},
			{billing.Decision{Status: "maybe", Company: "楓会", CreditLimit: "1000"}, "status"},
		} {
			_, err := f.billing.Decide(ctx, f.clinic, c.in, staff)
			if shop.ErrorFields(err)[c.field] == "" {
				t.Errorf("%+v: %v, want a problem with %s", c.in, err, c.field)
			}
		}
		if n := carttest.Count(t, d, "billing_accounts"); n != 0 {
			t.Fatalf("%d accounts after refusals, want 0", n)
		}
		f.approve(t, "50,000")
		a, err := f.billing.Account(ctx, f.clinic)
		if err != nil || !a.Approved() || a.CreditLimit != 50000 || a.Reviewer != staff.Name {
			t.Fatalf("account %+v (%v)", a, err)
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "billing.account"})
		if err != nil || len(es) != 1 || es[0].Actor != staff.Name {
			t.Fatalf("audit %+v (%v), want one entry by staff", es, err)
		}
	})
}

func TestPaymentsSettleTheInvoice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		orders := f.clinicMonth(t)
		if _, err := f.orders.Transition(ctx, orders[1].Number, order.Shipped, ""); err != nil {
			t.Fatal(err)
		}
		issued, err := f.billing.Close(ctx, "2026-12", staff)
		if err != nil || len(issued) != 1 {
			t.Fatalf("close: %d (%v)", len(issued), err)
		}
		number := issued[0].Number
		for _, c := range []struct {
			in    billing.PaymentInput
			field string
		}{
			{billing.PaymentInput{Amount: ""}, "payment_amount"},
			{billing.PaymentInput{Amount: "-5"}, "payment_amount"},
			{billing.PaymentInput{Amount: "6196"}, "payment_amount"},
			{billing.PaymentInput{Amount: "100", ReceivedOn: "2027-13-01"}, "received_on"},
			{billing.PaymentInput{Amount: "100", ReceivedOn: "2027-01-02"}, "received_on"}, // tomorrow
		} {
			if _, err := f.billing.RecordPayment(ctx, number, c.in, staff); shop.ErrorFields(err)[c.field] == "" {
				t.Errorf("%+v: %v, want a problem with %s", c.in, err, c.field)
			}
		}
		inv, err := f.billing.RecordPayment(ctx, number, billing.PaymentInput{Amount: "4,000", Note: "振込 カエデカイ"}, staff)
		if err != nil {
			t.Fatalf("partial payment: %v", err)
		}
		if inv.Paid != 4000 || inv.Balance() != 2195 || inv.Settled() {
			t.Fatalf("after ¥4,000: paid %s, balance %s", inv.Paid, inv.Balance())
		}
		if o, _ := f.orders.Get(ctx, orders[0].Number); o.Status != order.Placed {
			t.Fatalf("order %s after a partial payment, want placed", o.Status)
		}
		if len(outbox(t, d, "billing_paid")) != 0 {
			t.Fatal("a partial payment thanked the customer for the whole")
		}
		inv, err = f.billing.RecordPayment(ctx, number, billing.PaymentInput{Amount: "2195", ReceivedOn: "2027-01-01"}, staff)
		if err != nil || !inv.Settled() {
			t.Fatalf("final payment: %+v (%v)", inv, err)
		}
		for i, want := range []order.Status{order.Paid, order.Shipped, order.Paid} {
			o, err := f.orders.Get(ctx, orders[i].Number)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != want || o.Payment.State != order.PaymentSucceeded {
				t.Errorf("order %d: %s with payment %s, want %s with payment succeeded", i, o.Status, o.Payment.State, want)
			}
		}
		if _, err := f.billing.RecordPayment(ctx, number, billing.PaymentInput{Amount: "1"}, staff); shop.ErrorCode(err) != shop.Conflict {
			t.Errorf("payment on a paid invoice: %v, want a conflict", err)
		}
		if got := len(outbox(t, d, "billing_paid")); got != 1 {
			t.Errorf("%d payment e-mails, want 1", got)
		}
		if got := len(outbox(t, d, "order_paid")); got != 0 {
			t.Errorf("%d order e-mails, want none: the invoice's own says it", got)
		}
		ps, err := f.billing.Payments(ctx, number)
		if err != nil || len(ps) != 2 || ps[0].Amount != 4000 || ps[0].RecordedBy != staff.Name {
			t.Fatalf("payments %+v (%v)", ps, err)
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "billing.payment"})
		if err != nil || len(es) != 2 {
			t.Fatalf("audit %d entries (%v), want 2", len(es), err)
		}
		b, err := f.billing.Balance(ctx, f.clinic)
		if err != nil || b != 0 {
			t.Errorf("balance %s (%v), want ¥0", b, err)
		}
	})
}

func TestOverdueRemindedOncePerStage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.clinicMonth(t)
		issued, err := f.billing.Close(ctx, "2026-12", staff)
		if err != nil || len(issued) != 1 {
			t.Fatalf("close: %d (%v)", len(issued), err)
		}
		remind := func(at time.Time, want int) {
			t.Helper()
			*f.now = at
			for run := 1; run <= 2; run++ {
				n, err := f.billing.RemindOverdue(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if run == 2 {
					want = 0
				}
				if n != want {
					t.Fatalf("%s run %d: %d reminders, want %d", at.In(shop.JST).Format(time.DateOnly), run, n, want)
				}
			}
		}
		remind(jst(2027, 2, 1, 18), 0) // the due date itself
		late, err := f.billing.Invoices(ctx, billing.Filter{Overdue: true})
		if err != nil || len(late) != 0 {
			t.Fatalf("overdue on the due date: %d (%v)", len(late), err)
		}
		remind(jst(2027, 2, 2, 9), 1)
		late, err = f.billing.Invoices(ctx, billing.Filter{Overdue: true})
		if err != nil || len(late) != 1 || late[0].Stage != 1 {
			t.Fatalf("overdue list %+v (%v), want the invoice at stage 1", late, err)
		}
		remind(jst(2027, 2, 10, 9), 0)
		remind(jst(2027, 2, 15, 9), 1) // 14 days late: the final reminder
		mails := outbox(t, d, "billing_overdue")
		if len(mails) != 2 || !strings.Contains(mails[1].Subject, "再度のご案内") || !strings.Contains(mails[0].Body, "¥6,195") {
			t.Fatalf("overdue e-mails %+v", mails)
		}
		if _, err := f.billing.RecordPayment(ctx, issued[0].Number, billing.PaymentInput{Amount: "6195"}, staff); err != nil {
			t.Fatal(err)
		}
		late, err = f.billing.Invoices(ctx, billing.Filter{Overdue: true})
		if err != nil || len(late) != 0 {
			t.Fatalf("a paid invoice is overdue: %d (%v)", len(late), err)
		}
	})
}

func TestDueDate(t *testing.T) {
	for _, c := range []struct {
		month   string
		months  int
		earlier bool
		want    string
	}{
		{"2026-12", 1, false, "2027-02-01"}, // 31 Jan 2027 is a Sunday
		{"2026-12", 1, true, "2027-01-29"},
		{"2027-01", 1, false, "2027-03-01"}, // 28 Feb 2027 is a Sunday
		{"2027-01", 1, true, "2027-02-26"},
		{"2026-11", 1, false, "2027-01-04"}, // 31 Dec is the banks' new-year break
		{"2026-11", 1, true, "2026-12-30"},
		{"2027-03", 2, false, "2027-05-31"},
	} {
		m, err := billing.ParseMonth(c.month)
		if err != nil {
			t.Fatal(err)
		}
		got, err := billing.DueDate(m, settingsFor(c.months, c.earlier))
		if err != nil {
			t.Fatal(err)
		}
		if got.Format(time.DateOnly) != c.want {
			t.Errorf("%s +%d (earlier %v): %s, want %s", c.month, c.months, c.earlier, got.Format(time.DateOnly), c.want)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026/12", "12-2026", "1999-01"} {
		if _, err := billing.ParseMonth(bad); shop.ErrorFields(err)["month"] == "" {
			t.Errorf("ParseMonth(%q): %v, want a problem with month", bad, err)
		}
	}
}

// An order cancelled after its invoice was issued stays on that invoice,
// which is never changed, and is credited on the next month's invoice
// (赤伝): per tax rate, with the original sale's day, the total net of it;
// it is credited once.
func TestCancelledOrderCreditedOnNextInvoice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		orders := f.clinicMonth(t)
		dec, err := f.billing.Close(ctx, "2026-12", staff)
		if err != nil || len(dec) != 1 || dec[0].Total != 6195 {
			t.Fatalf("december: %+v (%v)", dec, err)
		}
		*f.now = jst(2027, 1, 5, 10)
		// ¥105 + ¥880 at 10 %, ¥1,080 at 8 %.
		if _, err := f.orders.CancelByCustomer(ctx, orders[0].Number, order.CustomerActor(f.clinic, "192.0.2.1")); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		// December's invoice is unpaid, less the credit to come.
		if b, err := f.billing.Balance(ctx, f.clinic); err != nil || b != 6195-2065 {
			t.Fatalf("balance after the cancellation %s (%v), want ¥4,130", b, err)
		}
		*f.now = jst(2027, 1, 12, 10)
		jan := f.mustPlace(t, map[string]int{"NEEDLE": 1, "TEA": 3}) // ¥4,225

		*f.now = jst(2027, 2, 1, 9)
		issued, err := f.billing.Close(ctx, "2027-01", staff)
		if err != nil || len(issued) != 1 {
			t.Fatalf("january: %+v (%v)", issued, err)
		}
		if inv := issued[0]; inv.Total != 4225-2065 || inv.Orders != 1 {
			t.Fatalf("january's invoice bills %d orders for %s, want 1 for ¥2,160", inv.Orders, inv.Total)
		}
		again, err := f.billing.Invoice(ctx, dec[0].Number)
		if err != nil || again.Total != 6195 {
			t.Fatalf("december's invoice changed: %+v (%v)", again, err)
		}
		_, pdf, err := f.billing.PDF(ctx, issued[0].Number, f.clinic)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(pdftext.Pages(t, pdf), "\n")
		for _, w := range []string{jan.Number, orders[0].Number, "12/03", "キャンセル（" + dec[0].Number + "）",
			"-¥985", "-¥1,080", "返還 10%対象", "返還 8%対象", "¥2,160", "適格返還請求書"} {
			if !strings.Contains(text, w) {
				t.Errorf("PDF lacks %q:\n%s", w, text)
			}
		}

		// Credited once: February's invoice bills February alone.
		*f.now = jst(2027, 2, 3, 10)
		feb := f.mustPlace(t, map[string]int{"NEEDLE": 1})
		*f.now = jst(2027, 3, 1, 9)
		issued, err = f.billing.Close(ctx, "2027-02", staff)
		if err != nil || len(issued) != 1 || issued[0].Total != feb.Total {
			t.Fatalf("february: %+v (%v), want one invoice for %s", issued, err, feb.Total)
		}

		// A month without orders but with a credit: an invoice of the credit
		// alone, nothing to pay, the difference owed to the clinic.
		*f.now = jst(2027, 3, 2, 10)
		if _, err := f.orders.CancelByCustomer(ctx, feb.Number, order.CustomerActor(f.clinic, "192.0.2.1")); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		*f.now = jst(2027, 4, 1, 9)
		issued, err = f.billing.Close(ctx, "2027-03", staff)
		if err != nil || len(issued) != 1 || issued[0].Total != -feb.Total || issued[0].Orders != 0 {
			t.Fatalf("march: %+v (%v), want one invoice for -%s", issued, err, feb.Total)
		}
		_, pdf, err = f.billing.PDF(ctx, issued[0].Number, f.clinic)
		if err != nil {
			t.Fatal(err)
		}
		text = strings.Join(pdftext.Pages(t, pdf), "\n")
		if !strings.Contains(text, "差引ご返金額（税込）　"+feb.Total.String()) || strings.Contains(text, "お支払期限") {
			t.Errorf("credit-only PDF:\n%s", text)
		}
		mails := outbox(t, d, "billing_issued")
		if len(mails) != 4 {
			t.Fatalf("%d issue e-mails, want 4", len(mails))
		}
		for i, want := range map[int][]string{
			1: {"キャンセルとなりました1件分（¥2,065、税込）を差し引いております", "ご請求金額　：¥2,160", "お支払期限"},
			3: {"2027年3月のご請求書", "差引ご返金額：" + feb.Total.String(), "今回のお支払いは不要です"},
		} {
			for _, w := range want {
				if !strings.Contains(mails[i].Body, w) {
					t.Errorf("issue e-mail %d lacks %q:\n%s", i, w, mails[i].Body)
				}
			}
		}
		if strings.Contains(mails[3].Body, "振込先") || strings.Contains(mails[2].Body, "差し引いて") {
			t.Errorf("e-mails:\n%s\n%s", mails[2].Body, mails[3].Body)
		}
	})
}
