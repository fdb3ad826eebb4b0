package incident_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/incident/scopetest"
	"kaede/internal/shop"
)

// The seed's window: 303 days, from the day the capture started to the
// day card payments stopped.
var (
	windowFrom = time.Date(2019, 8, 28, 0, 0, 0, 0, shop.JST)
	windowTo   = time.Date(2020, 6, 26, 0, 0, 0, 0, shop.JST)
)

// scopeShop is a shop with orders around the window; the test names
// them by what makes each one interesting.
type scopeShop struct {
	svc      *incident.Service
	inc      incident.Incident
	shop     *scopetest.Shop
	needle   int64 // a product only h@ bought
	memberB  int64
	numbers  map[string]string // label → order number
	now      time.Time
	d        *db.DB
	ctx      context.Context
	memberB2 shop.Address
}

func newScopeShop(t *testing.T, d *db.DB) *scopeShop {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2020, 7, 1, 10, 0, 0, 0, shop.JST)
	s := &scopeShop{svc: incident.New(d, func() time.Time { return now.UTC() }), shop: scopetest.New(t, d),
		numbers: map[string]string{}, now: now, d: d, ctx: ctx}
	inc, err := s.svc.Open(ctx, incident.OpenInput{Title: "カード情報流出", Category: incident.CardData,
		DiscoveredAt: now.Add(-time.Hour)}, owner)
	if err != nil {
		t.Fatal(err)
	}
	s.inc = inc
	s.needle = s.shop.Product("ディスポ鍼")
	other := s.shop.Product("お灸")
	s.memberB2 = shop.Address{Name: "佐藤 花子", NameKana: "サトウ ハナコ", PostalCode: "530-0001", Prefecture: 27,
		City: "大阪市北区", Line1: "梅田1-1", Line2: "梅田ビル3F", Phone: "06-1111-2222"}
	s.memberB = s.shop.Member("b@example.jp", &s.memberB2)
	day := 24 * time.Hour
	add := func(label string, o scopetest.Order) {
		_, s.numbers[label] = s.shop.Order(o)
	}
	add("a1", scopetest.Order{Email: "a@example.jp", At: windowFrom}) // on the first instant: inside
	add("a2", scopetest.Order{Email: "A@Example.JP", At: windowFrom.Add(10 * day),
		Payments: []scopetest.Payment{{Provider: "stripe", Brand: "mastercard", Last4: "5454"}}, Products: []int64{other}})
	add("b-guest", scopetest.Order{Email: "B@EXAMPLE.JP", At: windowFrom.Add(20 * day),
		Payments: []scopetest.Payment{{Brand: "jcb", Last4: "0000"}}})
	add("b-member", scopetest.Order{Email: "b@example.jp", MemberID: s.memberB, At: windowFrom.Add(30 * day),
		Payments: []scopetest.Payment{{Brand: "jcb", Last4: "1111"}}})
	add("c-bank", scopetest.Order{Email: "c@example.jp", Method: "bank_transfer", At: windowFrom.Add(40 * day)})
	add("d-cod", scopetest.Order{Email: "d@example.jp", Method: "cod", At: windowFrom.Add(50 * day)})
	add("e-at-to", scopetest.Order{Email: "e@example.jp", At: windowTo})                      // the end is outside
	add("f-before", scopetest.Order{Email: "f@example.jp", At: windowFrom.Add(-time.Second)}) // outside
	// A Visa declined at Stripe, then an Amex through the gateway.
	add("g-retry", scopetest.Order{Email: "g@example.jp", At: windowFrom.Add(60 * day), Payments: []scopetest.Payment{
		{Provider: "stripe", Brand: "visa", Last4: "0002", State: "declined"},
		{Provider: "gateway", Brand: "amex", Last4: "8431"}}})
	add("h-needle", scopetest.Order{Email: "h@example.jp", At: windowTo.Add(-time.Nanosecond * 1000), Products: []int64{s.needle, other}})
	return s
}

func (s *scopeShop) query() incident.Query { return incident.Query{From: windowFrom, To: windowTo} }

func TestScopeFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScopeShop(t, d)
		cases := []struct {
			name      string
			edit      func(q *incident.Query)
			orders    []string
			customers int
		}{
			{"window only", nil, []string{"a1", "a2", "b-guest", "b-member", "c-bank", "d-cod", "g-retry", "h-needle"}, 6},
			{"card", func(q *incident.Query) { q.Methods = []string{"card"} },
				[]string{"a1", "a2", "b-guest", "b-member", "g-retry", "h-needle"}, 4},
			{"bank transfer and cash on delivery", func(q *incident.Query) { q.Methods = []string{"cod", "bank_transfer"} },
				[]string{"c-bank", "d-cod"}, 2},
			{"provider: any attempt", func(q *incident.Query) { q.Providers = []string{"stripe"} },
				[]string{"a2", "g-retry"}, 2},
			{"brand, upper case typed", func(q *incident.Query) { q.Brands = []string{" VISA "} },
				[]string{"a1", "g-retry", "h-needle"}, 3},
			{"provider and brand on one attempt", func(q *incident.Query) {
				q.Providers, q.Brands = []string{"gateway"}, []string{"visa"}
			}, []string{"a1", "h-needle"}, 2},
			{"product", func(q *incident.Query) { q.Products = []int64{s.needle} }, []string{"h-needle"}, 1},
			{"customer, any case", func(q *incident.Query) { q.Customers = []string{"A@EXAMPLE.jp"} }, []string{"a1", "a2"}, 1},
			{"guest and member with one address", func(q *incident.Query) { q.Customers = []string{"b@example.jp"} },
				[]string{"b-guest", "b-member"}, 1},
			{"window of one instant", func(q *incident.Query) { q.To = windowFrom.Add(time.Nanosecond * 1000) }, []string{"a1"}, 1},
			{"nothing", func(q *incident.Query) { q.Brands = []string{"diners"} }, nil, 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				q := s.query()
				if tc.edit != nil {
					tc.edit(&q)
				}
				res, err := s.svc.Preview(s.ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if res.Orders != len(tc.orders) || res.Customers != tc.customers {
					t.Errorf("orders=%d customers=%d, want %d and %d", res.Orders, res.Customers, len(tc.orders), tc.customers)
				}
				list, err := s.svc.PreviewOrders(s.ctx, q, 0, 50)
				if err != nil {
					t.Fatal(err)
				}
				var got, want []string
				for _, o := range list {
					got = append(got, o.Number)
				}
				for _, label := range tc.orders {
					want = append(want, s.numbers[label])
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("orders %v, want %v", got, want)
				}
			})
		}
	})
}

func TestScopeQueryValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := incident.New(d, nil)
		cases := []struct {
			name  string
			q     incident.Query
			field string
		}{
			{"no start", incident.Query{To: windowTo}, "from"},
			{"no end", incident.Query{From: windowFrom}, "to"},
			{"end before start", incident.Query{From: windowTo, To: windowFrom}, "to"},
			{"empty window", incident.Query{From: windowFrom, To: windowFrom}, "to"},
			{"unknown method", incident.Query{From: windowFrom, To: windowTo, Methods: []string{"bitcoin"}}, "methods"},
			{"brand with a space", incident.Query{From: windowFrom, To: windowTo, Brands: []string{"american express"}}, "brands"},
			{"provider with a quote", incident.Query{From: windowFrom, To: windowTo, Providers: []string{"x'--"}}, "providers"},
			{"product zero", incident.Query{From: windowFrom, To: windowTo, Products: []int64{0}}, "products"},
			{"not an address", incident.Query{From: windowFrom, To: windowTo, Customers: []string{"someone"}}, "customers"},
			{"too many customers", incident.Query{From: windowFrom, To: windowTo, Customers: manyAddresses(501)}, "customers"},
		}
		for _, tc := range cases {
			_, err := svc.Preview(context.Background(), tc.q)
			if f := fields(err); f[tc.field] == "" {
				t.Errorf("%s: err=%v, want Invalid naming %s", tc.name, err, tc.field)
			}
		}
	})
}

func manyAddresses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%d@example.jp", i)
	}
	return out
}

func TestWindowTakesDaysInJapan(t *testing.T) {
	from, to := incident.Window(time.Date(2019, 8, 27, 15, 0, 0, 0, time.UTC), time.Date(2020, 6, 25, 0, 0, 0, 0, shop.JST))
	// 2019-08-27 15:00 UTC is already the 28th in Japan.
	if !from.Equal(windowFrom) {
		t.Errorf("from=%v, want %v", from, windowFrom)
	}
	if !to.Equal(windowTo) {
		t.Errorf("to=%v, want %v (the day after the last day)", to, windowTo)
	}
	q := incident.Query{From: windowFrom, To: windowTo}
	if q.Days() != 303 {
		t.Errorf("days=%d, want 303", q.Days())
	}
}

func TestSaveScopeVersionsAndFreezes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScopeShop(t, d)
		ctx := s.ctx
		if _, err := s.svc.LatestScope(ctx, s.inc.ID); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("latest before any save: %v, want NotFound", err)
		}
		q := s.query()
		q.Methods = []string{"card"}
		v1, err := s.svc.SaveScope(ctx, s.inc.ID, q, owner)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Version != 1 || v1.Orders != 6 || v1.Customers != 4 {
			t.Fatalf("v1 %+v, want version 1 with 6 orders from 4 people", v1)
		}
		// An order placed (back-dated) into the window later, and a
		// customer's address changed: the saved list stays as it was.
		s.shop.Order(scopetest.Order{Email: "late@example.jp", At: windowFrom.Add(100 * 24 * time.Hour)})
		if _, err := d.ExecContext(ctx, `UPDATE orders SET email = 'changed@example.jp' WHERE number = $1`, s.numbers["a1"]); err != nil {
			t.Fatal(err)
		}
		orders, err := s.svc.ScopeOrders(ctx, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(orders) != 6 || orders[0].Number != s.numbers["a1"] {
			t.Fatalf("v1 orders %+v, want the 6 saved, oldest first", orders)
		}
		people, err := s.svc.ScopeCustomers(ctx, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 4 || people[0].Key != "a@example.jp" || len(people[0].Orders) != 2 {
			t.Fatalf("v1 customers %+v, want a@ first with both orders", people)
		}
		now, err := s.svc.Preview(ctx, q)
		if err != nil || now.Orders != 7 || now.Customers != 6 {
			t.Fatalf("preview after the change: %+v %v, want 7 orders from 6 people", now, err)
		}

		q.Brands = []string{"visa"}
		v2, err := s.svc.SaveScope(ctx, s.inc.ID, q, owner)
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.Orders != 4 {
			t.Fatalf("v2 %+v, want version 2 with 4 orders", v2)
		}
		list, err := s.svc.Scopes(ctx, s.inc.ID)
		if err != nil || len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 {
			t.Fatalf("scopes %+v %v, want v2 then v1", list, err)
		}
		if !slices.Equal(list[0].Query.Brands, []string{"visa"}) || !list[1].Query.From.Equal(windowFrom) ||
			!list[1].Query.To.Equal(windowTo) || list[1].SavedBy != owner.Name {
			t.Errorf("saved queries %+v", list)
		}
		latest, err := s.svc.LatestScope(ctx, s.inc.ID)
		if err != nil || latest.ID != v2.ID {
			t.Fatalf("latest %+v %v, want v2", latest, err)
		}
		if got, err := s.svc.ScopeVersion(ctx, s.inc.ID, 1); err != nil || got.ID != v1.ID {
			t.Fatalf("version 1: %+v %v", got, err)
		}
		// g@ is in v2 by the Visa it tried first: that is the card shown.
		v2orders, err := s.svc.ScopeOrders(ctx, v2.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range v2orders {
			if o.Brand != "visa" {
				t.Errorf("order %s shown with %s %s, want the Visa it was found by", o.Number, o.Brand, o.Last4)
			}
			if o.Number == s.numbers["g-retry"] && (o.Last4 != "0002" || o.Provider != "stripe") {
				t.Errorf("g@'s order shown with %+v, want the declined Visa 0002 at Stripe", o)
			}
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "incident.scope.save"})
		if err != nil || len(entries) != 2 || entries[0].Target != s.inc.Ref() {
			t.Fatalf("audit %+v %v, want two entries on the incident", entries, err)
		}

		if _, err := s.svc.Close(ctx, s.inc.ID, "", owner); err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.SaveScope(ctx, s.inc.ID, q, owner); shop.ErrorCode(err) != shop.Conflict {
			t.Errorf("save on a closed incident: %v, want Conflict", err)
		}
		if _, err := s.svc.SaveScope(ctx, 999, q, owner); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("save on no incident: %v, want NotFound", err)
		}
		if _, err := s.svc.ScopeCustomers(ctx, 999); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("customers of no scope: %v, want NotFound", err)
		}
	})
}

func TestScopeCustomersAddresses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScopeShop(t, d)
		ctx := s.ctx
		// c@ has an account without a default address, and ordered as a
		// guest: the order's address is the one to write to.
		cID := s.shop.Member("c@example.jp", nil)
		moved := scopetest.Address
		moved.City, moved.Line1 = "港区", "芝公園4-2-8"
		s.shop.Order(scopetest.Order{Email: "c@example.jp", Method: "bank_transfer", At: windowFrom.Add(200 * 24 * time.Hour), Address: &moved})
		sc, err := s.svc.SaveScope(ctx, s.inc.ID, s.query(), owner)
		if err != nil {
			t.Fatal(err)
		}
		people, err := s.svc.ScopeCustomers(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]incident.Customer{}
		var keys []string
		for _, c := range people {
			by[c.Key] = c
			keys = append(keys, c.Key)
		}
		if !slices.IsSorted(keys) || len(keys) != 6 {
			t.Fatalf("keys %v, want 6 sorted", keys)
		}
		b := by["b@example.jp"]
		if b.MemberID != s.memberB || b.Email != "b@example.jp" || b.Name != "佐藤 花子" || b.Prefecture != "大阪府" ||
			b.Line2 != "梅田ビル3F" || b.Phone != "06-1111-2222" || len(b.Orders) != 2 {
			t.Errorf("b@ %+v, want the member's default address and both orders", b)
		}
		if b.Orders[0].Number != s.numbers["b-guest"] || b.Orders[0].Last4 != "0000" || b.Orders[1].Last4 != "1111" {
			t.Errorf("b@'s orders %+v, want the guest one first", b.Orders)
		}
		a := by["a@example.jp"]
		if a.MemberID != 0 || a.Email != "A@Example.JP" || a.City != "千代田区" || a.Prefecture != "東京都" {
			t.Errorf("a@ %+v, want the guest with the newest order's address as typed", a)
		}
		c := by["c@example.jp"]
		if c.MemberID != cID || c.City != "港区" || len(c.Orders) != 2 {
			t.Errorf("c@ %+v, want the member without a default address at the newest order's address", c)
		}
		page, err := s.svc.ScopeCustomersPage(ctx, sc.ID, 1, 2)
		if err != nil || len(page) != 2 || page[0].Key != keys[1] || page[1].Key != keys[2] {
			t.Fatalf("page %+v %v, want keys %v", page, err, keys[1:3])
		}
		if _, err := s.svc.ScopeCustomersPage(ctx, sc.ID, 0, 0); fields(err)["limit"] == "" {
			t.Errorf("page of 0: %v, want Invalid limit", err)
		}
	})
}

func TestPreviewOrdersPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScopeShop(t, d)
		first, err := s.svc.PreviewOrders(s.ctx, s.query(), 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		rest, err := s.svc.PreviewOrders(s.ctx, s.query(), 3, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 3 || len(rest) != 5 || first[0].Number != s.numbers["h-needle"] {
			t.Fatalf("pages of %d and %d starting %v, want 3 and 5, newest first", len(first), len(rest), first)
		}
		if _, err := s.svc.PreviewOrders(s.ctx, s.query(), -1, 10); fields(err)["offset"] == "" {
			t.Errorf("negative offset: %v", err)
		}
		var se *shop.Error
		if _, err := s.svc.PreviewOrders(s.ctx, incident.Query{}, 0, 10); !errors.As(err, &se) {
			t.Errorf("empty query: %v, want Invalid", err)
		}
	})
}
