package cart_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

func clock() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) }

var (
	guest        = shop.Viewer{}
	practitioner = shop.Viewer{Practitioner: true}
)

func catalog(t *testing.T, d *db.DB) {
	t.Helper()
	carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 1100, MemberPrice: 990, Stock: 10, MaxPerOrder: 5,
		Image: "/img/needle.jpg"})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "FEW", Price: 500, Stock: 2})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "PRO", Price: 3300, Stock: 10, PractitionersOnly: true})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "DRAFT", Price: 100, Stock: 10, Draft: true})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 540, Stock: 200, Reduced: true})
}

func TestCartRules(t *testing.T) {
	type step struct {
		set    bool // SetQuantity instead of AddItem
		sku    string
		qty    int
		viewer shop.Viewer
	}
	tests := []struct {
		name     string
		before   []step
		do       step
		code     shop.Code
		field    string // for Invalid
		wantQty  int    // of do.sku after a success
		wantUnit shop.Yen
	}{
		{"add one", nil, step{sku: "NEEDLE", qty: 1}, "", "", 1, 1100},
		{"add to existing", []step{{sku: "NEEDLE", qty: 2}}, step{sku: "NEEDLE", qty: 3}, "", "", 5, 1100},
		{"over max per order", []step{{sku: "NEEDLE", qty: 3}}, step{sku: "NEEDLE", qty: 3}, shop.Invalid, "quantity", 0, 0},
		{"zero", nil, step{sku: "NEEDLE", qty: 0}, shop.Invalid, "quantity", 0, 0},
		{"negative", nil, step{sku: "NEEDLE", qty: -1}, shop.Invalid, "quantity", 0, 0},
		{"over 99", nil, step{sku: "TEA", qty: 100}, shop.Invalid, "quantity", 0, 0},
		{"99 is fine", nil, step{sku: "TEA", qty: 99}, "", "", 99, 540},
		{"more than stock", nil, step{sku: "FEW", qty: 3}, shop.OutOfStock, "", 0, 0},
		{"stock counts what is in the cart", []step{{sku: "FEW", qty: 2}}, step{sku: "FEW", qty: 1}, shop.OutOfStock, "", 0, 0},
		{"unknown sku", nil, step{sku: "NOPE", qty: 1}, shop.Invalid, "sku", 0, 0},
		{"draft sku", nil, step{sku: "DRAFT", qty: 1}, shop.Invalid, "sku", 0, 0},
		{"empty sku", nil, step{sku: "", qty: 1}, shop.Invalid, "sku", 0, 0},
		{"practitioners only, guest", nil, step{sku: "PRO", qty: 1}, shop.Forbidden, "", 0, 0},
		{"practitioners only, practitioner", nil, step{sku: "PRO", qty: 1, viewer: practitioner}, "", "", 1, 3300},
		{"member price for practitioner", nil, step{sku: "NEEDLE", qty: 1, viewer: practitioner}, "", "", 1, 990},
		{"set quantity", []step{{sku: "NEEDLE", qty: 4}}, step{set: true, sku: "NEEDLE", qty: 2}, "", "", 2, 1100},
		{"set zero removes", []step{{sku: "NEEDLE", qty: 4}}, step{set: true, sku: "NEEDLE", qty: 0}, "", "", 0, 0},
		{"set over max", nil, step{set: true, sku: "NEEDLE", qty: 6}, shop.Invalid, "quantity", 0, 0},
		{"set over stock", nil, step{set: true, sku: "FEW", qty: 3}, shop.OutOfStock, "", 0, 0},
		{"set negative", nil, step{set: true, sku: "NEEDLE", qty: -2}, shop.Invalid, "quantity", 0, 0},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		s := cart.New(d, clock)
		ctx := context.Background()
		apply := func(c *cart.Cart, st step) (*cart.Cart, error) {
			if st.set {
				return s.SetQuantity(ctx, c.ID, st.sku, st.qty, st.viewer)
			}
			return s.AddItem(ctx, c.ID, st.sku, st.qty, st.viewer)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := s.Create(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range tt.before {
					if _, err := apply(c, st); err != nil {
						t.Fatalf("before: %v", err)
					}
				}
				got, err := apply(c, tt.do)
				if tt.code != "" {
					if shop.ErrorCode(err) != tt.code {
						t.Fatalf("err=%v, want code %s", err, tt.code)
					}
					if tt.field != "" && shop.ErrorFields(err)[tt.field] == "" {
						t.Fatalf("fields=%v, want %s", shop.ErrorFields(err), tt.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				line := findLine(got, tt.do.sku)
				if tt.wantQty == 0 {
					if line != nil {
						t.Fatalf("line %s still in cart", tt.do.sku)
					}
					return
				}
				if line == nil || line.Quantity != tt.wantQty || line.UnitPrice != tt.wantUnit {
					t.Fatalf("line=%+v, want qty %d at %d", line, tt.wantQty, tt.wantUnit)
				}
				if line.LineTotal != tt.wantUnit*shop.Yen(tt.wantQty) || got.Subtotal != line.LineTotal || got.Count != tt.wantQty {
					t.Fatalf("line total %d, subtotal %d, count %d", line.LineTotal, got.Subtotal, got.Count)
				}
			})
		}
	})
}

func TestCartLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		s := cart.New(d, clock)
		ctx := context.Background()
		c, err := s.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.ID) != 22 {
			t.Fatalf("id %q: want 22 base64url characters (128 bits)", c.ID)
		}
		if _, err := s.AddItem(ctx, c.ID, "NEEDLE", 2, guest); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddItem(ctx, c.ID, "TEA", 3, guest); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, c.ID, guest)
		if err != nil {
			t.Fatal(err)
		}
		n := got.Lines[0]
		if n.SKU != "NEEDLE" || n.ProductSlug != "needle" || n.ProductNameJa != "商品NEEDLE" || n.LabelEn != "Label" ||
			n.ImagePath != "/img/needle.jpg" || n.TaxRate != 10 || n.Stock != 10 || n.MaxPerOrder != 5 || n.PractitionersOnly {
			t.Fatalf("line %+v", n)
		}
		if got.Lines[1].TaxRate != 8 {
			t.Fatalf("tea rate %d, want 8", got.Lines[1].TaxRate)
		}
		if got.Subtotal != 2*1100+3*540 || got.Count != 5 {
			t.Fatalf("subtotal %d count %d", got.Subtotal, got.Count)
		}
	})
}

func TestCartOwnership(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		s := cart.New(d, clock)
		ctx := context.Background()
		alice := carttest.AddMember(t, d, "alice@example.com", false)
		bob := carttest.AddMember(t, d, "bob@example.com", false)
		c, err := s.ForMember(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.ForMember(ctx, alice)
		if err != nil || again.ID != c.ID {
			t.Fatalf("ForMember again: %v, id %s, want %s", err, again.ID, c.ID)
		}
		for name, v := range map[string]shop.Viewer{"guest": guest, "bob": {MemberID: bob}} {
			if _, err := s.Get(ctx, c.ID, v); shop.ErrorCode(err) != shop.NotFound {
				t.Errorf("%s: Get=%v, want not found", name, err)
			}
			if _, err := s.AddItem(ctx, c.ID, "NEEDLE", 1, v); shop.ErrorCode(err) != shop.NotFound {
				t.Errorf("%s: AddItem=%v, want not found", name, err)
			}
		}
		if _, err := s.Get(ctx, c.ID, shop.Viewer{MemberID: alice}); err != nil {
			t.Fatalf("owner: %v", err)
		}
		if _, err := s.Get(ctx, "no-such-cart", guest); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("unknown: %v, want not found", err)
		}
	})
}

func TestCartMaxLines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := cart.New(d, clock)
		ctx := context.Background()
		for i := 0; i <= cart.MaxLines; i++ {
			carttest.AddVariant(t, d, carttest.Variant{SKU: fmt.Sprintf("V%02d", i), Price: 100, Stock: 5})
		}
		c, err := s.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < cart.MaxLines; i++ {
			if _, err := s.AddItem(ctx, c.ID, fmt.Sprintf("V%02d", i), 1, guest); err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
		}
		_, err = s.AddItem(ctx, c.ID, fmt.Sprintf("V%02d", cart.MaxLines), 1, guest)
		if shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("51st line: %v, want conflict", err)
		}
		if _, err := s.AddItem(ctx, c.ID, "V00", 1, guest); err != nil {
			t.Fatalf("more of an existing line in a full cart: %v", err)
		}
	})
}

func TestMerge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		s := cart.New(d, clock)
		ctx := context.Background()
		member := carttest.AddMember(t, d, "m@example.com", false)
		mine, err := s.ForMember(ctx, member)
		if err != nil {
			t.Fatal(err)
		}
		viewer := shop.Viewer{MemberID: member}
		mustAdd(t, s, mine.ID, "NEEDLE", 4, viewer)
		g, err := s.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, s, g.ID, "NEEDLE", 3, guest)
		mustAdd(t, s, g.ID, "FEW", 2, guest)
		mustAdd(t, s, g.ID, "PRO", 1, practitioner)

		merged, err := s.Merge(ctx, g.ID, member)
		if err != nil {
			t.Fatal(err)
		}
		if merged.ID != mine.ID {
			t.Fatalf("merged into %s, want the member's cart %s", merged.ID, mine.ID)
		}
		if l := findLine(merged, "NEEDLE"); l == nil || l.Quantity != 5 {
			t.Fatalf("NEEDLE %+v, want 4+3 capped at max 5", l)
		}
		if l := findLine(merged, "FEW"); l == nil || l.Quantity != 2 {
			t.Fatalf("FEW %+v, want 2", l)
		}
		if l := findLine(merged, "PRO"); l != nil {
			t.Fatalf("practitioners-only line merged into a non-practitioner's cart")
		}
		if _, err := s.Get(ctx, g.ID, guest); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("guest cart after merge: %v, want not found", err)
		}
		if _, err := s.Merge(ctx, "gone", member); err != nil {
			t.Fatalf("merge of an unknown cart: %v, want the member's cart", err)
		}
	})
}

func mustAdd(t *testing.T, s *cart.Service, id, sku string, qty int, v shop.Viewer) {
	t.Helper()
	if _, err := s.AddItem(context.Background(), id, sku, qty, v); err != nil {
		t.Fatalf("add %s: %v", sku, err)
	}
}

func findLine(c *cart.Cart, sku string) *cart.Line {
	for i := range c.Lines {
		if c.Lines[i].SKU == sku {
			return &c.Lines[i]
		}
	}
	return nil
}

// TestCount: the header's count is Get's — quantities of the lines still
// published, the owner's only.
func TestCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		s := cart.New(d, clock)
		ctx := context.Background()
		alice := carttest.AddMember(t, d, "alice@example.com", false)
		c, err := s.ForMember(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		owner := shop.Viewer{MemberID: alice}
		if n, err := s.Count(ctx, c.ID, alice); err != nil || n != 0 {
			t.Fatalf("empty: %d, %v", n, err)
		}
		if _, err := s.AddItem(ctx, c.ID, "NEEDLE", 3, owner); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddItem(ctx, c.ID, "TEA", 2, owner); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(`UPDATE products SET status = 'draft' WHERE id = (SELECT product_id FROM variants WHERE sku = 'TEA')`); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, c.ID, owner)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.Count(ctx, c.ID, alice); err != nil || n != got.Count || n != 3 {
			t.Errorf("count %d (%v), Get's %d, want 3", n, err, got.Count)
		}
		if _, err := s.Count(ctx, c.ID, 0); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("a guest counting a member's cart: %v, want not found", err)
		}
		if _, err := s.Count(ctx, "no-such-cart", 0); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("unknown cart: %v, want not found", err)
		}
	})
}

// TestCountFollowsWrites: the count this process keeps changes with every
// write made through the service, and with Forget (checkout emptying the
// cart), though the clock stands still; a write made behind the service's
// back shows once the count's second is over.
func TestCountFollowsWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		now := clock()
		s := cart.New(d, func() time.Time { return now })
		ctx := context.Background()
		alice := carttest.AddMember(t, d, "alice@example.com", false)
		owner := shop.Viewer{MemberID: alice}
		c, err := s.ForMember(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		count := func(id string, who int64, want int) {
			t.Helper()
			for range 2 { // the second from the cache
				if n, err := s.Count(ctx, id, who); err != nil || n != want {
					t.Fatalf("count %d (%v), want %d", n, err, want)
				}
			}
		}
		count(c.ID, alice, 0)
		mustAdd(t, s, c.ID, "NEEDLE", 2, owner)
		count(c.ID, alice, 2)
		if _, err := s.SetQuantity(ctx, c.ID, "NEEDLE", 4, owner); err != nil {
			t.Fatal(err)
		}
		count(c.ID, alice, 4)
		if _, err := s.Count(ctx, c.ID, 0); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("a guest counting the member's kept count: %v, want not found", err)
		}
		g, err := s.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, s, g.ID, "TEA", 3, guest)
		count(g.ID, 0, 3)
		if _, err := s.Merge(ctx, g.ID, alice); err != nil {
			t.Fatal(err)
		}
		count(c.ID, alice, 7)
		if _, err := s.Count(ctx, g.ID, 0); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("the merged guest cart: %v, want not found", err)
		}
		if _, err := s.SetQuantity(ctx, c.ID, "TEA", 0, owner); err != nil {
			t.Fatal(err)
		}
		count(c.ID, alice, 4)

		// Checkout empties the cart in its own transaction, then Forget.
		if _, err := d.Exec(`DELETE FROM cart_items WHERE cart_id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		count(c.ID, alice, 4) // kept: nothing told this process
		s.Forget(c.ID)
		count(c.ID, alice, 0)

		mustAdd(t, s, c.ID, "NEEDLE", 1, owner)
		count(c.ID, alice, 1)
		if _, err := d.Exec(`UPDATE cart_items SET quantity = 5 WHERE cart_id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second - time.Millisecond)
		count(c.ID, alice, 1)
		now = now.Add(time.Millisecond)
		count(c.ID, alice, 5)
	})
}
