package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/password"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// The breach scenario replays the seed's case (../shared/seed): a year of
// trade in the demo shop, during which a skimmer on the checkout captured
// every card typed in one window of 303 days that ended some weeks ago.
// Today a card company calls. The card buyers of the window are the
// customers to tell.
const (
	// BreachWindowDays is the window's length: the seed's 2019-08-28 to
	// 2020-06-26, both days included.
	BreachWindowDays = 303
	// breachGapDays is how long before today the window's last day is:
	// the skimmer went with an update some weeks before anyone noticed.
	breachGapDays = 43
	// historyDays is how far back the history goes.
	historyDays = 365
	// DefaultBreachOrders is how many orders the scenario makes.
	DefaultBreachOrders = 10000
	// BreachPassword is every scenario account's password, so that the
	// demo can log in as an affected customer. Demo data only.
	BreachPassword = "kaede-demo-customer"
	// breachAction is the audit entry that records the generated history;
	// a later run finds it and adds nothing.
	breachAction = "demo.breach"
)

// ErrHasCustomers is returned by SeedBreach for a shop that already has
// orders or accounts of its own: the scenario's history must not mix with
// them.
var ErrHasCustomers = errors.New("the shop already has orders or customer accounts")

// BreachOptions say how much history to make and with what.
type BreachOptions struct {
	// Seed chooses the shop: the same seed on the same day makes the same
	// customers, orders and window (access tokens aside, which are
	// random as they must be).
	Seed      uint64
	Orders    int // DefaultBreachOrders when zero
	Customers int // three for every ten orders when zero
	// Now is the clock's time. The history ends at the start of today,
	// Tokyo time, so that runs on one day agree.
	Now time.Time
	// Provider and GatewayURL are the card provider's name and the test
	// gateway's origin, as the card attempts record them.
	Provider   string
	GatewayURL string
	// CardOrderTTL is how long an unpaid card order waits before it
	// expires (KAEDE_CARD_ORDER_TTL).
	CardOrderTTL time.Duration
	// PasswordParams are the costs of the accounts' one password hash;
	// password.Default when nil (tests lower them).
	PasswordParams *password.Params
}

func (o BreachOptions) withDefaults() BreachOptions {
	if o.Orders <= 0 {
		o.Orders = DefaultBreachOrders
	}
	if o.Customers <= 0 {
		o.Customers = max(o.Orders*3/10, 1)
	}
	o.Customers = min(o.Customers, o.Orders)
	if o.Provider == "" {
		o.Provider = "test_gateway"
	}
	if o.GatewayURL == "" {
		o.GatewayURL = "http://127.0.0.1:8081"
	}
	o.GatewayURL = strings.TrimRight(o.GatewayURL, "/")
	if o.CardOrderTTL <= 0 {
		o.CardOrderTTL = 30 * time.Minute
	}
	return o
}

// BreachSummary is what the scenario made, and what the operator of the
// demo needs to play the incident through.
type BreachSummary struct {
	Seed      uint64 `json:"seed"`
	Orders    int    `json:"orders"`
	Customers int    `json:"customers"` // people, a member and their guest orders counted once
	Members   int    `json:"members"`
	Guests    int    `json:"guests"`
	// SharedEmails counts members who also ordered as a guest with the
	// same e-mail address.
	SharedEmails int `json:"shared_emails"`
	// HistoryFrom and HistoryTo bound the orders: [From, To).
	HistoryFrom time.Time `json:"history_from"`
	HistoryTo   time.Time `json:"history_to"`
	// WindowFrom and WindowTo bound the affected window, [From, To): the
	// start of its first day and of the day after its last, in Tokyo.
	WindowFrom time.Time `json:"window_from"`
	WindowTo   time.Time `json:"window_to"`
	// CardOrders is every card order placed in the window (a card was
	// typed for each, paid or not); CardCustomers the distinct customers
	// who placed them, by e-mail address, whatever its case.
	CardOrders    int            `json:"card_orders"`
	CardCustomers int            `json:"card_customers"`
	ByMethod      map[string]int `json:"by_method"`
	ByStatus      map[string]int `json:"by_status"`
	// CreatedAt is when the history was written.
	CreatedAt time.Time `json:"created_at"`
	// Existing is true when an earlier run wrote the history and this one
	// added nothing.
	Existing bool `json:"-"`
}

// WindowLastDay is the window's last day, the day before WindowTo.
func (s BreachSummary) WindowLastDay() time.Time {
	return s.WindowTo.In(shop.JST).AddDate(0, 0, -1)
}

// BreachServices are the owners of the tables the scenario writes.
type BreachServices struct {
	Catalog *catalog.Service
	Members *member.Service
	Orders  *order.Service
}

// SeedBreach makes the breach scenario in d: the demo catalogue (Seed)
// when the shop has none, then a year of customers and orders, written in
// one transaction through the owners' bulk imports (member's Import,
// order's ImportHistory), with the stock that open orders hold reserved
// (catalog.ReserveStock) and one audit entry, "demo.breach", recording
// what was made.
//
// It is idempotent: on a shop where it ran before it finds that entry and
// returns its summary, adding nothing. A shop with orders or accounts of
// its own is refused with ErrHasCustomers.
func SeedBreach(ctx context.Context, d *db.DB, svc BreachServices, mediaDir string, opts BreachOptions) (BreachSummary, error) {
	cat := svc.Catalog
	opts = opts.withDefaults()
	if s, ok, err := earlierBreach(ctx, d); err != nil || ok {
		return s, err
	}
	var n int
	err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM orders) + (SELECT COUNT(*) FROM members)`).Scan(&n)
	if err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", err)
	}
	if n > 0 {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", ErrHasCustomers)
	}
	// Open orders hold stock, a quarter of each item's at most: ten
	// thousand orders leave some eighty open, and more orders need more
	// stock.
	scale := (opts.Orders + DefaultBreachOrders - 1) / DefaultBreachOrders
	if err := seed(ctx, d, cat, mediaDir, opts.Now, scale); err != nil && !errors.Is(err, ErrNotEmpty) {
		return BreachSummary{}, err
	}
	st, err := settings.Load(ctx, d)
	if err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", err)
	}
	products, err := cat.AllProducts(ctx)
	if err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", err)
	}
	g := newGenerator(opts, st)
	if err := g.setItems(products); err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", err)
	}
	people, orders := g.generate()
	if g.err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", g.err)
	}
	params := password.Default
	if opts.PasswordParams != nil {
		params = *opts.PasswordParams
	}
	hash, err := password.Hash(BreachPassword, params)
	if err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", err)
	}
	sum := g.summarize(people, orders)
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		return writeBreach(ctx, tx, svc, people, orders, hash, sum)
	})
	if err != nil {
		return BreachSummary{}, fmt.Errorf("breach scenario: %w", err)
	}
	cat.Invalidate() // the stock that open orders hold
	return sum, nil
}

// writeBreach writes the accounts, then the orders (linked to the
// accounts they were placed from), reserves the open orders' stock and
// records the scenario in the audit log, inside tx.
func writeBreach(ctx context.Context, tx *sql.Tx, svc BreachServices, people []*person, orders []pastOrder, hash string, sum BreachSummary) error {
	var accounts []member.Imported
	for _, p := range people {
		if p.member {
			accounts = append(accounts, p.imported(hash))
		}
	}
	ids, err := svc.Members.Import(ctx, tx, accounts)
	if err != nil {
		return err
	}
	pasts := make([]order.Past, len(orders))
	var holds []catalog.Quantity
	for i, o := range orders {
		if o.member {
			o.MemberID = ids[people[o.who].email]
		}
		pasts[i] = o.Past
		holds = append(holds, o.holds...)
	}
	if err := svc.Orders.ImportHistory(ctx, tx, pasts); err != nil {
		return err
	}
	if err := catalog.ReserveStock(ctx, tx, holds); err != nil {
		return err
	}
	return audit.Record(ctx, tx, sum.CreatedAt, actor, breachAction, "demo:breach", nil, sum)
}

// earlierBreach finds the summary an earlier run recorded.
func earlierBreach(ctx context.Context, d *db.DB) (BreachSummary, bool, error) {
	es, err := audit.List(ctx, d, audit.Filter{Action: breachAction, Actor: actor.Name, Limit: 1})
	if err != nil || len(es) == 0 {
		return BreachSummary{}, false, err
	}
	var s BreachSummary
	if err := json.Unmarshal([]byte(es[0].After), &s); err != nil {
		return BreachSummary{}, false, fmt.Errorf("breach scenario: read the earlier run's record: %w", err)
	}
	s.Existing = true
	return s, true, nil
}

// generator makes the scenario's people and orders from one seeded
// source of chance.
type generator struct {
	rng               *rand.Rand
	opts              BreachOptions
	st                settings.Settings
	start, end        time.Time // the history: [start, end)
	prefectures       []int
	prefectureWeights []float64
	enabled           map[order.PaymentMethod]bool
	items             []item
	itemCum           []float64
	budget            map[int64]int // what open orders may still hold of each variant
	err               error
}

func newGenerator(opts BreachOptions, st settings.Settings) *generator {
	j := opts.Now.In(shop.JST)
	end := time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, shop.JST).UTC()
	g := &generator{rng: newRand(opts.Seed), opts: opts, st: st, end: end, start: end.AddDate(0, 0, -historyDays),
		enabled: map[order.PaymentMethod]bool{order.Card: true, order.BankTransfer: st.EnableTransfer, order.COD: st.EnableCOD}}
	for code := range prefectureCities {
		g.prefectures = append(g.prefectures, code)
	}
	sort.Ints(g.prefectures)
	for _, code := range g.prefectures {
		g.prefectureWeights = append(g.prefectureWeights, float64(prefectureCities[code].people))
	}
	return g
}

// generate draws the customers, then the orders in time order, numbered
// per day as checkout numbers them.
func (g *generator) generate() ([]*person, []pastOrder) {
	people := g.people(g.opts.Customers)
	plan := g.plan(g.opts.Orders, people)
	firsts := make([][]time.Time, len(people))
	for _, pl := range plan {
		if len(firsts[pl.who]) < 2 {
			firsts[pl.who] = append(firsts[pl.who], pl.at)
		}
	}
	g.registrations(people, firsts)
	orders := make([]pastOrder, len(plan))
	day, seq := "", 0
	for i, pl := range plan {
		if d := pl.at.In(shop.JST).Format("20060102"); d != day {
			day, seq = d, 0
		}
		seq++
		orders[i] = g.makeOrder(pl, seq, people[pl.who])
	}
	return people, orders
}

// window is the affected window: BreachWindowDays days (both ends
// included, as the seed counts them) ending breachGapDays before today.
func (g *generator) window() (from, to time.Time) {
	end := g.end.In(shop.JST)
	to = end.AddDate(0, 0, -breachGapDays+1)
	from = to.AddDate(0, 0, -BreachWindowDays-1)
	return from.UTC(), to.UTC()
}

// summarize counts what was made.
func (g *generator) summarize(people []*person, orders []pastOrder) BreachSummary {
	s := BreachSummary{Seed: g.opts.Seed, Orders: len(orders), Customers: len(people),
		HistoryFrom: g.start, HistoryTo: g.end, ByMethod: map[string]int{}, ByStatus: map[string]int{},
		CreatedAt: g.opts.Now.UTC().Truncate(time.Microsecond)}
	s.WindowFrom, s.WindowTo = g.window()
	asGuest := map[int]bool{}
	cardEmails := map[string]bool{}
	for _, o := range orders {
		s.ByMethod[string(o.PaymentMethod)]++
		status := order.InitialStatus(o.PaymentMethod)
		if len(o.Events) > 0 {
			status = o.Events[len(o.Events)-1].To
		}
		s.ByStatus[string(status)]++
		if people[o.who].member && !o.member {
			asGuest[o.who] = true
		}
		if o.PaymentMethod == order.Card && !o.PlacedAt.Before(s.WindowFrom) && o.PlacedAt.Before(s.WindowTo) {
			s.CardOrders++
			cardEmails[strings.ToLower(o.Email)] = true
		}
	}
	for _, p := range people {
		if p.member {
			s.Members++
		} else {
			s.Guests++
		}
	}
	s.SharedEmails, s.CardCustomers = len(asGuest), len(cardEmails)
	return s
}

// tokenHash is the hash of a new, random access token: the demo's guests
// never see it, and it must not follow from the seed.
func (g *generator) tokenHash() string {
	_, hash, err := order.NewAccessToken()
	if err != nil {
		g.err = err
	}
	return hash
}
