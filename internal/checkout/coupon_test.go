package checkout_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

func addCoupon(tb testing.TB, d *db.DB, in coupon.Input) *coupon.Coupon {
	tb.Helper()
	c, err := coupon.New(d, clock).Create(context.Background(), in, audit.Actor{Name: "staff@kaede.example"})
	if err != nil {
		tb.Fatalf("create coupon %s: %v", in.Code, err)
	}
	return c
}

func couponReason(err error) string { return shop.ErrorFields(err)["coupon_code"] }

// A fixed ¥500 coupon over a 10 % and an 8 % line, checked by hand:
//
//	items: NEEDLE 2,200 (10 %), TEA 540 × 2 = 1,080 (8 %); subtotal 3,280.
//	split of 500 by largest remainder:
//	  10 %: 500 × 2200 / 3280 = 335 rest 1200/3280
//	   8 %: 500 × 1080 / 3280 = 164 rest 2080/3280 → the spare yen: 165
//	  335 + 165 = 500.
//	10 %: 2,200 − 335 + shipping 880 + COD 330 = 3,075; tax ⌊3075 × 10/110⌋ = 279, taxable 2,796.
//	 8 %: 1,080 − 165 = 915; tax ⌊915 × 8/108⌋ = 67, taxable 848.
//	total 3,280 − 500 + 880 + 330 = 3,990 (= 3,075 + 915).
func TestCouponSplitsOverRates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 2200, Stock: 5})
		carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 540, Stock: 5, Reduced: true})
		addCoupon(t, d, coupon.Input{Code: "WELCOME500", Kind: "fixed", Amount: "500"})
		in := input(f.cartWith(t, shop.Viewer{}, "NEEDLE", 1, "TEA", 2), "cod", "k-coupon")
		plain, err := f.checkout.Quote(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		in.CouponCode = " welcome500 " // typed loosely
		q, err := f.checkout.Quote(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := []shop.TaxSummary{{Rate: 10, Taxable: 2796, Tax: 279}, {Rate: 8, Taxable: 848, Tax: 67}}
		if fmt.Sprint(q.Taxes) != fmt.Sprint(want) {
			t.Fatalf("taxes %+v, want %+v", q.Taxes, want)
		}
		if q.Subtotal != 3280 || q.Discount != 500 || q.Total != 3990 || q.Coupon == nil ||
			q.Coupon.Standard != 335 || q.Coupon.Reduced != 165 || q.Coupon.Code != "WELCOME500" {
			t.Fatalf("subtotal %d discount %d total %d coupon %+v", q.Subtotal, q.Discount, q.Total, q.Coupon)
		}
		if q.Fingerprint() == plain.Fingerprint() {
			t.Fatal("the coupon is not in the fingerprint")
		}
		// Confirmed without the coupon, ordered with it: refused.
		in.QuoteFingerprint = plain.Fingerprint()
		if _, _, err := f.checkout.Place(ctx, in); err != checkout.ErrQuoteChanged {
			t.Fatalf("place with another fingerprint: %v", err)
		}
		in.QuoteFingerprint = q.Fingerprint()
		o, _, err := f.checkout.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if o.Total != 3990 || fmt.Sprint(o.Taxes) != fmt.Sprint(want) {
			t.Fatalf("order total %d taxes %+v", o.Total, o.Taxes)
		}
		a, err := coupon.OfOrder(ctx, d, o.ID)
		if err != nil || a == nil || a.Discount != 500 || a.Standard != 335 || a.Reduced != 165 {
			t.Fatalf("redemption %+v, %v", a, err)
		}
		_, body := mailOf(t, d, o.ID)
		if !strings.Contains(body, "クーポン割引（WELCOME500）：-¥500") || !strings.Contains(body, "合計（税込）：¥3,990") {
			t.Fatalf("confirmation mail:\n%s", body)
		}
		// The invoice's lines of each rate add up to that rate's total:
		// 10 %: 2,200 + 880 + 330 − 335 = 3,075; 8 %: 1,080 − 165 = 915.
		doc, err := f.orders.Invoice(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		byRate := map[shop.TaxRate]shop.Yen{}
		discountLines := 0
		for _, l := range doc.Lines {
			byRate[l.TaxRate] += l.Amount
			if l.Amount < 0 {
				discountLines++
			}
		}
		if byRate[10] != 3075 || byRate[8] != 915 || discountLines != 2 || doc.Total != 3990 {
			t.Fatalf("invoice lines %+v", doc.Lines)
		}
	})
}

// A coupon restricted to a product takes its discount off that product's
// lines only, at their rate: 10 % of TEA's 1,080 is 108, all at 8 %.
//
//	10 %: 2,200 + 880 + 330 = 3,410; tax ⌊3410 × 10/110⌋ = 310.
//	 8 %: 1,080 − 108 = 972; tax ⌊972 × 8/108⌋ = 72.
func TestCouponRestricted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 2200, Stock: 5})
		tea := carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 540, Stock: 5, Reduced: true})
		var teaProduct int64
		if err := d.QueryRowContext(ctx, `SELECT product_id FROM variants WHERE id = $1`, tea).Scan(&teaProduct); err != nil {
			t.Fatal(err)
		}
		addCoupon(t, d, coupon.Input{Code: "TEA10", Kind: "percent", Amount: "10", ProductIDs: []string{fmt.Sprint(teaProduct)}})
		in := input(f.cartWith(t, shop.Viewer{}, "NEEDLE", 1, "TEA", 2), "cod", "")
		in.CouponCode = "TEA10"
		q, err := f.checkout.Quote(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := []shop.TaxSummary{{Rate: 10, Taxable: 3100, Tax: 310}, {Rate: 8, Taxable: 900, Tax: 72}}
		if q.Discount != 108 || q.Coupon.Reduced != 108 || q.Coupon.Standard != 0 || fmt.Sprint(q.Taxes) != fmt.Sprint(want) {
			t.Fatalf("discount %d %+v taxes %+v", q.Discount, q.Coupon, q.Taxes)
		}
		// Without the product in the cart the coupon applies to nothing.
		in = input(f.cartWith(t, shop.Viewer{}, "NEEDLE", 1), "cod", "")
		in.CouponCode = "TEA10"
		if _, err := f.checkout.Quote(ctx, in); couponReason(err) != shop.ReasonCouponNoItems {
			t.Fatalf("without the product: %v", err)
		}
	})
}

// Every reason a code is refused names coupon_code; none is a 500.
func TestCouponRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		// The clock's Japan date is 2026-11-25.
		addCoupon(t, d, coupon.Input{Code: "LATER", Kind: "fixed", Amount: "100", StartsOn: "2026-11-26"})
		addCoupon(t, d, coupon.Input{Code: "OVER", Kind: "fixed", Amount: "100", EndsOn: "2026-11-24"})
		addCoupon(t, d, coupon.Input{Code: "TODAY", Kind: "fixed", Amount: "100", StartsOn: "2026-11-25", EndsOn: "2026-11-25"})
		addCoupon(t, d, coupon.Input{Code: "BIG", Kind: "fixed", Amount: "100", MinSpend: "2201"})
		stopped := addCoupon(t, d, coupon.Input{Code: "STOPPED", Kind: "fixed", Amount: "100"})
		if err := coupon.New(d, clock).SetDisabled(ctx, stopped.ID, true, audit.Actor{Name: "staff"}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ code, want string }{
			{"NOSUCH", shop.ReasonCouponUnknown},
			{"a", shop.ReasonCouponUnknown},
			{"<script>", shop.ReasonCouponUnknown},
			{"LATER", shop.ReasonCouponPeriod},
			{"OVER", shop.ReasonCouponPeriod},
			{"TODAY", ""},
			{"BIG", shop.ReasonCouponMinSpend},
			{"STOPPED", shop.ReasonCouponUnknown},
		} {
			in := input(f.cartWith(t, shop.Viewer{}, "A", 2), "cod", "")
			in.CouponCode = tt.code
			_, err := f.checkout.Quote(ctx, in)
			if got := couponReason(err); got != tt.want || (tt.want == "" && err != nil) {
				t.Errorf("%q: %v, want %q", tt.code, err, tt.want)
			}
		}
	})
}

// Per customer: a member by id, a guest by e-mail address; in all: the
// total count.
func TestCouponLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		addCoupon(t, d, coupon.Input{Code: "ONCE", Kind: "fixed", Amount: "100", MaxPerCustomer: "1", MaxUses: "3"})
		member := carttest.AddMember(t, d, "hanako@example.com", false)
		order := func(v shop.Viewer, email, key string) error {
			in := input(f.cartWith(t, v, "A", 1), "cod", key)
			in.Viewer, in.Email, in.CouponCode = v, email, "ONCE"
			_, _, err := f.checkout.Place(ctx, in)
			return err
		}
		if err := order(shop.Viewer{}, "taro@example.com", "g1"); err != nil {
			t.Fatal(err)
		}
		if err := order(shop.Viewer{}, "TARO@example.com", "g2"); couponReason(err) != shop.ReasonCouponUsedUp {
			t.Fatalf("the guest again: %v", err)
		}
		if err := order(shop.Viewer{MemberID: member}, "taro@example.com", "m1"); err != nil {
			t.Fatalf("a member with the guest's address: %v", err)
		}
		if err := order(shop.Viewer{MemberID: member}, "other@example.com", "m2"); couponReason(err) != shop.ReasonCouponUsedUp {
			t.Fatalf("the member again: %v", err)
		}
		if err := order(shop.Viewer{}, "jiro@example.com", "g3"); err != nil {
			t.Fatal(err)
		}
		if err := order(shop.Viewer{}, "saburo@example.com", "g4"); couponReason(err) != shop.ReasonCouponUsedUp {
			t.Fatalf("the fourth use of three: %v", err)
		}
		if n := carttest.Count(t, d, "orders"); n != 3 {
			t.Fatalf("%d orders, want 3", n)
		}
	})
}

// A cancelled order gives its coupon's use back (order.OnCancel wired to
// coupon.Release, as cmd/kaede does): the same guest may use a one-use
// coupon again, and the coupon's count is one again after the new use.
func TestCouponReleasedOnCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.orders.OnCancel(coupon.Release)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		c := addCoupon(t, d, coupon.Input{Code: "ONCE", Kind: "fixed", Amount: "100", MaxPerCustomer: "1", MaxUses: "1"})
		place := func(key string) (string, error) {
			in := input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", key)
			in.Email, in.CouponCode = "taro@example.com", "ONCE"
			o, _, err := f.checkout.Place(ctx, in)
			if err != nil {
				return "", err
			}
			return o.Number, nil
		}
		number, err := place("c1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := place("c2"); couponReason(err) != shop.ReasonCouponUsedUp {
			t.Fatalf("second use before the cancellation: %v", err)
		}
		if _, err := f.orders.CancelByStaff(ctx, number, "お客様のご依頼", audit.Actor{Name: "staff@kaede.example"}); err != nil {
			t.Fatal(err)
		}
		usesNow := func() int {
			t.Helper()
			var n int
			if err := d.QueryRowContext(ctx, `SELECT uses FROM coupons WHERE id = $1`, c.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := usesNow(); n != 0 {
			t.Fatalf("uses after the cancellation: %d, want 0", n)
		}
		// A second release (another cancel path) gives nothing more back.
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM orders WHERE number = $1`, number).Scan(&id); err != nil {
				return err
			}
			return coupon.Release(ctx, tx, id, clock())
		}); err != nil {
			t.Fatal(err)
		}
		if n := usesNow(); n != 0 {
			t.Fatalf("uses after a second release: %d, want 0", n)
		}
		if _, err := place("c3"); err != nil {
			t.Fatalf("the use given back is not usable: %v", err)
		}
		if n := usesNow(); n != 1 {
			t.Fatalf("uses after the new order: %d, want 1", n)
		}
	})
}

// Twenty customers order at once with a coupon good for five uses:
// exactly five orders take it, the others are refused on coupon_code with
// nothing written.
func TestCouponConcurrentUses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
		addCoupon(t, d, coupon.Input{Code: "FIVE", Kind: "percent", Amount: "10", MaxUses: "5"})
		const buyers = 20
		ins := make([]checkout.Input, buyers)
		for i := range ins {
			ins[i] = input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", fmt.Sprintf("k%d", i))
			ins[i].Email = fmt.Sprintf("buyer%d@example.com", i)
			ins[i].CouponCode = "FIVE"
		}
		errs := make([]error, buyers)
		var wg sync.WaitGroup
		for i := range buyers {
			wg.Go(func() { _, _, errs[i] = f.checkout.Place(ctx, ins[i]) })
		}
		wg.Wait()
		placed := 0
		for i, err := range errs {
			switch {
			case err == nil:
				placed++
			case couponReason(err) != shop.ReasonCouponUsedUp:
				t.Errorf("buyer %d: %v", i, err)
			}
		}
		if placed != 5 || carttest.Count(t, d, "orders") != 5 || carttest.Count(t, d, "coupon_redemptions") != 5 {
			t.Fatalf("%d placed, %d orders, %d uses; want 5", placed, carttest.Count(t, d, "orders"), carttest.Count(t, d, "coupon_redemptions"))
		}
		if s := carttest.Stock(t, d, "A"); s != 95 {
			t.Fatalf("stock %d, want 95", s)
		}
		var uses int
		if err := d.QueryRowContext(ctx, `SELECT uses FROM coupons WHERE code = 'FIVE'`).Scan(&uses); err != nil || uses != 5 {
			t.Fatalf("uses %d, %v", uses, err)
		}
	})
}

// A client trying codes is stopped after coupon.AttemptsPerClient's first
// window, right code or wrong.
func TestCouponAttemptsThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.checkout.UseLimiter(throttle.New(d))
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		addCoupon(t, d, coupon.Input{Code: "REAL", Kind: "fixed", Amount: "100"})
		in := input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "")
		in.Client = checkout.Client{Addr: "203.0.113.7"}
		for i := range coupon.AttemptsPerClient[0].Max {
			in.CouponCode = fmt.Sprintf("GUESS%d", i)
			if _, err := f.checkout.Quote(ctx, in); couponReason(err) != shop.ReasonCouponUnknown {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		in.CouponCode = "REAL"
		if _, err := f.checkout.Quote(ctx, in); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("after the limit: %v, want TooMany", err)
		}
		// Another client is not slowed down.
		in.Client.Addr = "198.51.100.1"
		if _, err := f.checkout.Quote(ctx, in); err != nil {
			t.Fatal(err)
		}
	})
}
