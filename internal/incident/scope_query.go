package incident

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/db"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// The scope reads orders, their payment attempts and lines (tables of
// order and cardpay), variants (catalog) and members' addresses (member)
// in plain SQL here, rather than through those packages. It is a
// read-only report across four owners, none of which it would belong to
// (order would have to know members' default addresses and catalog's
// products), and it must freeze its result in the transaction that saves
// a version. Every write to those tables stays with their owners; this
// file and scope_customers.go are the only places the incident desk reads
// them, and their tests run the owners' own migrations, so a renamed
// column fails here at once.

// Limits of a query: each list becomes SQL parameters, and a list longer
// than this is a mistake (a whole customer file pasted), not a scope.
const (
	maxQueryList  = 500
	maxQueryToken = 40  // a provider's or a brand's name
	maxEmail      = 254 // RFC 5321
)

// scopeMethods are the payment methods orders can have (the orders
// table's CHECK): a query that names none is run with all of them, so
// that the window is a range of the orders_scope index for each.
var scopeMethods = []string{string(order.BankTransfer), string(order.COD), string(order.Card), string(order.Invoice),
	string(order.Konbini), string(order.PayPay)}

// normalize trims, lower-cases and de-duplicates the query's lists, and
// reports every bad field: from, to, methods, providers, brands, products
// and customers.
func (q Query) normalize() (Query, error) {
	p := shop.Problems{}
	switch {
	case q.From.IsZero():
		p.Add("from", shop.ReasonRequired)
	case q.From.Year() < 2000 || q.From.Year() > 2999:
		p.Add("from", shop.ReasonRange)
	}
	switch {
	case q.To.IsZero():
		p.Add("to", shop.ReasonRequired)
	case q.To.Year() > 2999:
		p.Add("to", shop.ReasonRange)
	case !q.From.IsZero() && !q.To.After(q.From):
		p.Add("to", shop.ReasonRange)
	}
	out := Query{From: q.From.UTC(), To: q.To.UTC()}
	out.Methods = cleanList(p, "methods", shop.ReasonChoice, q.Methods, func(s string) bool {
		return order.PaymentMethod(s).Valid()
	})
	out.Providers = cleanList(p, "providers", shop.ReasonFormat, q.Providers, isToken)
	out.Brands = cleanList(p, "brands", shop.ReasonFormat, q.Brands, isToken)
	out.Customers = cleanList(p, "customers", shop.ReasonFormat, q.Customers, isEmail)
	for _, id := range q.Products {
		if id <= 0 {
			p.Add("products", shop.ReasonFormat)
			break
		}
	}
	if len(q.Products) > maxQueryList {
		p.Add("products", shop.ReasonLength)
	}
	if len(q.Products) > 0 {
		out.Products = slices.Clone(q.Products)
		slices.Sort(out.Products)
		out.Products = slices.Compact(out.Products)
	}
	if err := p.Err(); err != nil {
		return Query{}, err
	}
	return out, nil
}

// cleanList lower-cases, trims and sorts the list, drops empty and
// repeated entries, and reports the field with reason when an entry
// fails ok.
func cleanList(p shop.Problems, field, reason string, in []string, ok func(string) bool) []string {
	var out []string
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !ok(s) {
			p.Add(field, reason)
			return nil
		}
		out = append(out, s)
	}
	if len(out) > maxQueryList {
		p.Add(field, shop.ReasonLength)
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// isToken accepts a provider's or a card brand's name as providers write
// them: "stripe", "gateway", "visa", "american_express", "diners-club".
func isToken(s string) bool {
	if len(s) > maxQueryToken {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// isEmail accepts what an order's address could be: one @ with something
// on each side, no spaces or control characters.
func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return utf8.ValidString(s) && len(s) <= maxEmail && at > 0 && at < len(s)-1 &&
		!strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// customerKey is the person an order belongs to: its e-mail address
// lower-cased, so that a guest's orders and a member's with the same
// address (members' addresses are stored lower-cased) are one person.
// Computed in Go rather than with SQL's LOWER, whose treatment of letters
// beyond ASCII differs between SQLite and PostgreSQL: the counts must not
// depend on the database.
func customerKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// filter is a normalised query as SQL: a condition on orders aliased o.
type filter struct {
	q     Query
	where string
	args  db.Args
}

// sql builds the condition. Providers and brands must hold for one and
// the same payment attempt (a Visa card paid through Stripe), any attempt
// of the order: a declined card was typed into the form all the same.
func (q Query) sql() filter {
	f := filter{q: q}
	methods := q.Methods
	if len(methods) == 0 {
		methods = scopeMethods
	}
	conds := []string{
		"o.payment_method IN (" + in(&f.args, methods) + ")",
		"o.created_at >= " + f.args.Add(q.From),
		"o.created_at < " + f.args.Add(q.To),
	}
	if pay := q.paymentCondition(&f.args); pay != "" {
		// A payment attempt is made with its order or after it (order
		// and cardpay stamp it with their clock's now, and the import of
		// past orders refuses an attempt older than its order), so an order of
		// the window has none before From: the bound changes no answer
		// but lets PostgreSQL read a brand's attempts from
		// payments_brand_scope alone and hash them, instead of probing
		// payments once per order of the window.
		conds = append(conds, "EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND "+pay+
			" AND p.created_at >= "+f.args.Add(q.From)+")")
	}
	if len(q.Products) > 0 {
		ids := make([]string, len(q.Products))
		for i, id := range q.Products {
			ids[i] = f.args.Add(id)
		}
		// The products' lines are read by variant (order_lines_product_scope)
		// into a list the window's orders are looked up in, rather than the
		// lines of each order of the window probed in turn. "+ 0" keeps
		// PostgreSQL from turning it around, fetching every listed order
		// by its key to test the window: one table page per line of the
		// product however old (0.6–1.2 s for 20,000 lines of a million
		// orders), where reading the window from orders_scope costs what
		// counting it does.
		conds = append(conds, "o.id + 0 IN (SELECT l.order_id FROM order_lines l WHERE l.variant_id IN"+
			" (SELECT v.id FROM variants v WHERE v.product_id IN ("+strings.Join(ids, ", ")+")))")
	}
	if len(q.Customers) > 0 {
		conds = append(conds, "LOWER(o.email) IN ("+in(&f.args, q.Customers)+")")
	}
	f.where = strings.Join(conds, " AND ")
	return f
}

// paymentCondition is the condition on a payment attempt p, or "" when
// the query names no provider and no brand.
func (q Query) paymentCondition(args *db.Args) string {
	var conds []string
	if len(q.Providers) > 0 {
		conds = append(conds, "p.provider IN ("+in(args, q.Providers)+")")
	}
	if len(q.Brands) > 0 {
		// Brands are stored as the providers write them, lower-case. A
		// bare column keeps PostgreSQL's statistics on it: LOWER(brand)
		// made it guess 0.5% of payments and plan a scan of all of them.
		conds = append(conds, "p.brand IN ("+in(args, q.Brands)+")")
	}
	return strings.Join(conds, " AND ")
}

// chosenPayment is the payment attempt an order in scope is shown with:
// its latest one that matches the query's providers and brands, or its
// latest one when the query names neither.
func (f *filter) chosenPayment() string {
	cond := "p.order_id = o.id"
	if pay := f.q.paymentCondition(&f.args); pay != "" {
		cond += " AND " + pay
	}
	return "(SELECT p.id FROM payments p WHERE " + cond + " ORDER BY p.attempt DESC LIMIT 1)"
}

func in(args *db.Args, values []string) string {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = args.Add(v)
	}
	return strings.Join(ph, ", ")
}

// queryJSON is how a saved version keeps its query: stable names, times
// in RFC 3339.
type queryJSON struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Methods   []string  `json:"methods,omitempty"`
	Providers []string  `json:"providers,omitempty"`
	Brands    []string  `json:"brands,omitempty"`
	Products  []int64   `json:"products,omitempty"`
	Customers []string  `json:"customers,omitempty"`
}

func (q Query) toJSON() queryJSON {
	return queryJSON{From: q.From, To: q.To, Methods: q.Methods, Providers: q.Providers, Brands: q.Brands,
		Products: q.Products, Customers: q.Customers}
}

func (j queryJSON) query() Query {
	return Query{From: j.From.UTC(), To: j.To.UTC(), Methods: j.Methods, Providers: j.Providers, Brands: j.Brands,
		Products: j.Products, Customers: j.Customers}
}

// Days is the window's length in days, rounded up: what staff compare
// with the investigators' "303 days".
func (q Query) Days() int {
	d := q.To.Sub(q.From)
	n := int(d / (24 * time.Hour))
	if d%(24*time.Hour) != 0 {
		n++
	}
	return n
}

// String is the query in one line, for the command line and the audit
// log's readers: "2019-08-27 00:00 – 2020-06-26 00:00 JST, card, visa".
func (q Query) String() string {
	var b strings.Builder
	b.WriteString(q.From.In(shop.JST).Format("2006-01-02 15:04"))
	b.WriteString(" – ")
	b.WriteString(q.To.In(shop.JST).Format("2006-01-02 15:04 MST"))
	for _, list := range [][]string{q.Methods, q.Providers, q.Brands, q.Customers} {
		if len(list) > 0 {
			b.WriteString(", ")
			b.WriteString(strings.Join(list, " "))
		}
	}
	if len(q.Products) > 0 {
		b.WriteString(", products")
		for _, id := range q.Products {
			b.WriteString(" " + strconv.FormatInt(id, 10))
		}
	}
	return b.String()
}
