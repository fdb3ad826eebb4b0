package incident_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// campaignEnv is an incident with a scope the test controls, and its
// campaigns writing to a test outbox (no delivery) unless a test gives
// its own queue.
type campaignEnv struct {
	t   testing.TB
	d   *db.DB
	ctx context.Context
	inc *incident.Service
	id  int64 // the incident
	c   *incident.Campaigns

	mu        sync.Mutex
	now       time.Time
	scope     incident.Scope
	customers []incident.Customer
}

// The breach window of the tests, as in the seed: 2019-08-28 to 2020-06-26.
var (
	campaignFrom = time.Date(2019, 8, 28, 0, 0, 0, 0, shop.JST)
	campaignTo   = time.Date(2020, 6, 27, 0, 0, 0, 0, shop.JST)
)

func (e *campaignEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// setScope saves a new version of the scope with these customers.
func (e *campaignEnv) setScope(cs []incident.Customer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.scope.ID++
	e.scope.Version++
	e.customers = cs
}

func newCampaignEnv(t testing.TB, d *db.DB, q *mail.Queue, customers []incident.Customer) *campaignEnv {
	t.Helper()
	e := &campaignEnv{t: t, d: d, ctx: context.Background(), now: time.Date(2020, 11, 10, 1, 0, 0, 0, time.UTC),
		scope: incident.Scope{Query: incident.Query{From: campaignFrom.UTC(), To: campaignTo.UTC(), Methods: []string{"card"}}}}
	e.setScope(customers)
	e.inc = incident.New(d, e.clock)
	inc, err := e.inc.Open(e.ctx, incident.OpenInput{Title: "カード情報流出の疑い", Noticed: "カード会社から連絡",
		Category: incident.CardData, DiscoveredAt: time.Date(2020, 6, 26, 10, 0, 0, 0, shop.JST), Unauthorised: true}, owner)
	if err != nil {
		t.Fatal(err)
	}
	e.id = inc.ID
	if q == nil {
		q = mail.NewTestQueue(e.clock)
	}
	source := func(ctx context.Context, id int64) (incident.Scope, []incident.Customer, error) {
		if id != e.id {
			return incident.Scope{}, nil, shop.Errorf(shop.NotFound, "no scope")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		sc := e.scope
		sc.IncidentID, sc.Customers = id, len(e.customers)
		return sc, append([]incident.Customer(nil), e.customers...), nil
	}
	e.c = incident.NewCampaigns(e.inc, q, settings.NewService(d, e.clock, 0), source)
	return e
}

// prepare creates (or refreshes) the campaign.
func (e *campaignEnv) prepare() (incident.Campaign, incident.PrepareResult) {
	e.t.Helper()
	camp, res, err := e.c.Prepare(e.ctx, e.id, owner)
	if err != nil {
		e.t.Fatalf("Prepare: %v", err)
	}
	return camp, res
}

// tested sends the test e-mail to staff, as the admin requires first.
func (e *campaignEnv) tested() {
	e.t.Helper()
	if err := e.c.TestSend(e.ctx, e.id, 0, owner.Name, owner); err != nil {
		e.t.Fatalf("TestSend: %v", err)
	}
}

var (
	families = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"}
	givens   = []string{"花子", "一郎", "美咲", "健太", "陽子", "翔太", "由美", "大輔", "真由美", "直樹"}
	places   = []struct{ postcode, pref, city, line1 string }{
		{"0600001", "北海道", "札幌市中央区", "北一条西2丁目1番地"},
		{"5300001", "大阪府", "大阪市北区", "梅田3丁目1番1号"},
		{"9000001", "沖縄県", "那覇市", "港町1-2-3"},
		{"1500001", "東京都", "渋谷区", "神宮前1-2-3"},
	}
	brands = []string{"visa", "mastercard", "jcb", "amex"}
)

// customers makes n distinct affected people, each with one to three
// card orders inside the window.
func customers(n int) []incident.Customer {
	out := make([]incident.Customer, n)
	for i := range out {
		p := places[i%len(places)]
		email := fmt.Sprintf("customer%05d@example.jp", i)
		c := incident.Customer{Key: email, Email: email, Name: families[i%len(families)] + " " + givens[(i/len(families))%len(givens)],
			Phone: "090-0000-0000", PostalCode: p.postcode, Prefecture: p.pref, City: p.city,
			Line1: fmt.Sprintf("%s%d", p.line1, i), Line2: fmt.Sprintf("楓ハイツ%d号室", 100+i%900)}
		for j := range 1 + i%3 {
			c.Orders = append(c.Orders, incident.AffectedOrder{OrderID: int64(i*10 + j), Number: fmt.Sprintf("K-%06d", i*10+j),
				PlacedAt: campaignFrom.Add(time.Duration(i*24+j) * time.Hour).UTC(), Total: shop.Yen(1100 * (j + 1)), Method: "card",
				Provider: "gateway", Brand: brands[(i+j)%len(brands)], Last4: fmt.Sprintf("%04d", (i*7+j)%10000),
				ProviderPaymentID: fmt.Sprintf("pay_%d", i*10+j)})
		}
		out[i] = c
	}
	return out
}

// countMail counts the outbox's messages of a kind, by recipient.
func countMail(t testing.TB, d *db.DB, kind string) map[string]int {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT to_addr FROM mail_messages WHERE kind = $1`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var to string
		if err := rows.Scan(&to); err != nil {
			t.Fatal(err)
		}
		out[to]++
	}
	return out
}

// bodies returns the outbox's messages of a kind.
func bodies(t testing.TB, d *db.DB, kind string) []mail.Stored {
	t.Helper()
	all, err := mail.List(context.Background(), d, mail.Filter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Stored
	for _, m := range all {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// campaignAudit returns the audit log's entries with the action.
func campaignAudit(t testing.TB, d *db.DB, action string) []audit.Entry {
	t.Helper()
	list, err := audit.List(context.Background(), d, audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// panRun finds a run of 13 to 19 digits (spaces and hyphens between them
// allowed) that passes the Luhn check: a whole card number. Written apart
// from the package's own guard, so that the test does not trust it.
func panRun(s string) string {
	var digits []byte
	var run strings.Builder
	check := func() string {
		defer func() { digits = digits[:0]; run.Reset() }()
		for n := 13; n <= 19; n++ {
			for i := 0; i+n <= len(digits); i++ {
				if luhnOK(digits[i : i+n]) {
					return run.String()
				}
			}
		}
		return ""
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r-'0'))
			run.WriteRune(r)
		case r >= '０' && r <= '９':
			digits = append(digits, byte(r-'０'))
			run.WriteRune(r)
		case (r == ' ' || r == '-') && len(digits) > 0:
			run.WriteRune(r)
		default:
			if found := check(); found != "" {
				return found
			}
		}
	}
	return check()
}

func luhnOK(d []byte) bool {
	sum := 0
	for i := range d {
		x := int(d[len(d)-1-i])
		if i%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}
