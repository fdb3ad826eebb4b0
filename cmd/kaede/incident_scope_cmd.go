package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

// scopeDBFlags are the database flags of the incident's scope commands,
// as kaede monitor approve has them.
type scopeDBFlags struct {
	data, database string
	demo           bool
}

func (f *scopeDBFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", envOr("KAEDE_DATA_DIR", ""), "data directory (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&f.database, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.BoolVar(&f.demo, "demo", false, "the demo's data directory by default")
}

// open opens the database on an up-to-date schema.
func (f *scopeDBFlags) open(ctx context.Context) (*db.DB, error) {
	if f.data == "" {
		f.data = "kaede-data"
		if f.demo {
			f.data = defaultDemoDir()
		}
	}
	cfg := Config{DataDir: f.data, DatabaseURL: f.database, Addr: "127.0.0.1:8080"}
	cfg.finish()
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// scopeList is a flag that may be repeated or hold a comma-separated
// list: --method card --method cod, or --method card,cod.
type scopeList []string

func (l *scopeList) String() string { return strings.Join(*l, ",") }

func (l *scopeList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// parseScopeArgs parses args: flags, and the incident's ID before,
// between or after them.
func parseScopeArgs(fs *flag.FlagSet, args []string) (int64, error) {
	var idArg string
	for {
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			if idArg != "" {
				return 0, fmt.Errorf("unexpected argument %q", args[0])
			}
			idArg, args = args[0], args[1:]
			continue
		}
		if err := fs.Parse(args); err != nil {
			return 0, err
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		if strings.HasPrefix(args[0], "-") { // "-", or what follows "--"
			return 0, fmt.Errorf("unexpected argument %q", args[0])
		}
	}
	if idArg == "" {
		fs.Usage()
		return 0, errors.New("the incident's ID is required")
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("incident ID %q: want a number such as 1", idArg)
	}
	return id, nil
}

// parseScopeTime reads --from or --to: a day (2019-08-28, in Japan) or an
// exact instant in RFC 3339 (2019-08-28T14:00:00+09:00). A day given to
// --to is the window's last day, included; an instant is its end,
// excluded.
func parseScopeTime(name, s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("--%s is required", name)
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, shop.JST); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: want a day such as 2019-08-28 or a time such as 2019-08-28T14:00:00+09:00", name, s)
	}
	return t.UTC(), nil
}

// scopeOutput is what --json prints: the query as normalised, the
// window's length in days, the counts, and the version when saved.
type scopeOutput struct {
	Incident  int64       `json:"incident"`
	Query     scopeFilter `json:"query"`
	Days      int         `json:"days"`
	Orders    int         `json:"orders"`
	Customers int         `json:"customers"`
	Version   int         `json:"version,omitempty"`
}

type scopeFilter struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Methods   []string  `json:"methods,omitempty"`
	Providers []string  `json:"providers,omitempty"`
	Brands    []string  `json:"brands,omitempty"`
	Products  []int64   `json:"products,omitempty"`
	Customers []string  `json:"customers,omitempty"`
}

// runIncidentScope counts the orders and people an incident touched, and
// with --save keeps the query and its result on the incident as a new
// version (audited as the command line).
func runIncidentScope(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var dbf scopeDBFlags
	var from, to string
	var methods, providers, brands, products, customers scopeList
	var save, asJSON bool
	fs := newFlagSet("incident scope ID", "Counts the orders in the window and the distinct people who placed them (a guest and a member\n"+
		"with one e-mail address are one person). --from and --to take days in Japan, both included,\n"+
		"or exact RFC 3339 times (--to then excluded). With --save the query and the orders it finds\n"+
		"are kept on the incident as a new version, which the notifications and exports use.", stderr)
	dbf.bind(fs)
	fs.StringVar(&from, "from", "", "the window's first day (2019-08-28) or instant (required)")
	fs.StringVar(&to, "to", "", "the window's last day, included (2020-06-25), or its end instant, excluded (required)")
	fs.Var(&methods, "method", "payment method: card, bank_transfer, cod (repeat or comma-separate; default all)")
	fs.Var(&providers, "provider", "card provider: gateway, stripe (default all)")
	fs.Var(&brands, "brand", "card brand: visa, mastercard, jcb, amex, … (default all)")
	fs.Var(&products, "product", "product ID: orders with a line of it (default all)")
	fs.Var(&customers, "customer", "a customer's e-mail address (default all)")
	fs.BoolVar(&save, "save", false, "save the query and its result on the incident as a new version")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	id, err := parseScopeArgs(fs, args)
	if err != nil {
		return err
	}
	q := incident.Query{Methods: methods, Providers: providers, Brands: brands, Customers: customers}
	if q.From, err = parseScopeTime("from", from, false); err != nil {
		return err
	}
	if q.To, err = parseScopeTime("to", to, true); err != nil {
		return err
	}
	for _, p := range products {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return fmt.Errorf("--product %q: want a product ID", p)
		}
		q.Products = append(q.Products, n)
	}
	d, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := incident.New(d, shop.SystemClock)
	if _, err := svc.Get(ctx, id); err != nil {
		return err
	}
	res, err := svc.Preview(ctx, q)
	if err != nil {
		return scopeInputError(err)
	}
	rq := res.Query
	out := scopeOutput{Incident: id, Days: rq.Days(), Orders: res.Orders, Customers: res.Customers,
		Query: scopeFilter{From: rq.From, To: rq.To, Methods: rq.Methods, Providers: rq.Providers, Brands: rq.Brands,
			Products: rq.Products, Customers: rq.Customers}}
	if save {
		sc, err := svc.SaveScope(ctx, id, q, audit.Actor{Name: audit.ActorCLI})
		if err != nil {
			return scopeInputError(err)
		}
		// The saved counts, not the preview's: an order placed in between
		// is in the saved list.
		out.Orders, out.Customers, out.Version = sc.Orders, sc.Customers, sc.Version
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "incident %d: %s (%d days)\n", id, res.Query, out.Days)
	fmt.Fprintf(stdout, "orders:    %d\ncustomers: %d\n", out.Orders, out.Customers)
	if save {
		fmt.Fprintf(stdout, "saved as version %d\n", out.Version)
	}
	return nil
}

// scopeInputError names the bad flags of an Invalid error by their flag
// names; other errors pass as they are.
func scopeInputError(err error) error {
	fields := shop.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	flags := map[string]string{"methods": "--method", "providers": "--provider", "brands": "--brand",
		"products": "--product", "customers": "--customer", "from": "--from", "to": "--to", "encoding": "--encoding"}
	var parts []string
	for _, name := range []string{"from", "to", "methods", "providers", "brands", "products", "customers", "encoding"} {
		if reason, ok := fields[name]; ok {
			parts = append(parts, flags[name]+": "+reason)
		}
	}
	return fmt.Errorf("%s (%s)", shop.ErrorMessage(err), strings.Join(parts, ", "))
}

// runIncidentExport writes a saved scope as CSV: --acquirer, the card
// transactions for the acquirer (date, amount, brand, last four digits,
// the provider's payment ID, order number); --customers, the people with
// their addresses and orders. The latest version unless --version.
// Audited as the command line; the file is made readable by its owner
// only, as it holds personal data.
func runIncidentExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var dbf scopeDBFlags
	var out, encoding string
	var acquirer, customers bool
	var version int
	fs := newFlagSet("incident export ID", "Writes the incident's saved scope as CSV: --acquirer for the card company (date, amount,\n"+
		"brand, last four digits, the provider's payment ID and the order number, nothing more), or\n"+
		"--customers (names, addresses and orders). Uses the latest saved version unless --version.", stderr)
	dbf.bind(fs)
	fs.BoolVar(&acquirer, "acquirer", false, "the card transactions for the acquirer")
	fs.BoolVar(&customers, "customers", false, "the affected people with their addresses and orders")
	fs.StringVar(&out, "out", "", "the CSV file to write (required)")
	fs.StringVar(&encoding, "encoding", "utf8", "utf8 (with a byte-order mark) or sjis (Shift_JIS; characters it cannot hold become 〓)")
	fs.IntVar(&version, "version", 0, "the scope's version (default the latest)")
	id, err := parseScopeArgs(fs, args)
	if err != nil {
		return err
	}
	if acquirer == customers {
		return errors.New("give one of --acquirer and --customers")
	}
	if out == "" {
		return errors.New("--out FILE.csv is required")
	}
	enc := incident.Encoding(encoding)
	if enc != incident.UTF8 && enc != incident.ShiftJIS {
		return fmt.Errorf("--encoding %q: want utf8 or sjis", encoding)
	}
	d, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := incident.New(d, shop.SystemClock)
	var sc incident.Scope
	if version > 0 {
		sc, err = svc.ScopeVersion(ctx, id, version)
	} else {
		sc, err = svc.LatestScope(ctx, id)
	}
	if err != nil {
		if shop.ErrorCode(err) == shop.NotFound {
			return fmt.Errorf("incident %d has no saved scope%s: save one with kaede incident scope %d --save", id, versionNote(version), id)
		}
		return err
	}
	export, what := svc.ExportAcquirer, "card transactions"
	if customers {
		export, what = svc.ExportCustomers, "customers"
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	ex, err := export(ctx, f, sc.ID, enc, audit.Actor{Name: audit.ActorCLI})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return scopeInputError(err)
	}
	fmt.Fprintf(stdout, "wrote %d %s of incident %d (scope version %d) to %s\n", ex.Rows, what, id, sc.Version, out)
	if ex.Replaced > 0 {
		fmt.Fprintf(stdout, "%d characters Shift_JIS cannot hold were written as %s; export in UTF-8 for exact names\n", ex.Replaced, incident.Replacement)
	}
	return nil
}

func versionNote(v int) string {
	if v > 0 {
		return fmt.Sprintf(" version %d", v)
	}
	return ""
}
