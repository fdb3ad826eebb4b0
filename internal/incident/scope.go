package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// Result is what a query finds in the orders as they are now.
type Result struct {
	Query     Query // as normalised: lists lower-cased, sorted, without repeats
	Orders    int
	Customers int // distinct people (see Customer)
}

// Preview counts the orders a query finds and the distinct people who
// placed them, without saving anything. Its statement is planned for the
// query's values every time (db.CustomPlans): the best plan for a week's
// Visa orders is not a year's. Bad query fields → Invalid naming
// them (from, to, methods, providers, brands, products, customers).
//
// The database filters and returns the orders' e-mail addresses joined in
// one value (string_agg, in SQLite since 3.44 and in PostgreSQL alike);
// the people are counted here in a map. COUNT(DISTINCT LOWER(email)) is
// the obvious SQL, but its sort costs about 2 µs an order in the pure-Go
// SQLite (265 ms of CPU for 139,000 orders) and spills past work_mem in
// PostgreSQL; this way the 104,000 card orders of a 303-day window in a
// million take under 50 ms on SQLite (BenchmarkScopePreview).
func (s *Service) Preview(ctx context.Context, q Query) (Result, error) {
	q, err := q.normalize()
	if err != nil {
		return Result{}, err
	}
	f := q.sql()
	sep := f.args.Add("\n")
	var n int
	var emails string
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.CustomPlans(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(string_agg(o.email, `+sep+`), '')
			FROM orders o WHERE `+f.where, f.args...).Scan(&n, &emails)
	})
	if err != nil {
		return Result{}, fmt.Errorf("incident: preview scope: %w", err)
	}
	return Result{Query: q, Orders: n, Customers: countPeople(emails, n)}, nil
}

// countPeople counts the distinct customer keys among n addresses joined
// by newlines (which an address cannot hold). The keys are first spread
// by their hash over peopleParts lists, and each list counted in a map
// small enough to stay in the processor's cache: one map of 200,000
// keys missed the cache at nearly every key, 40 ms of CPU for the
// 303-day window of every method in BenchmarkScopePreview, half as much
// this way. A person's keys are equal, so they land in one list.
func countPeople(emails string, n int) int {
	if n == 0 {
		return 0
	}
	seed := maphash.MakeSeed()
	parts := make([][]string, peopleParts)
	for e := range strings.SplitSeq(emails, "\n") {
		k := customerKey(e)
		i := maphash.String(seed, k) % peopleParts
		parts[i] = append(parts[i], k)
	}
	count := 0
	seen := make(map[string]struct{}, 2*n/peopleParts)
	for _, keys := range parts {
		clear(seen)
		for _, k := range keys {
			seen[k] = struct{}{}
		}
		count += len(seen)
	}
	return count
}

const peopleParts = 256

// MaxPreviewPage bounds one page of PreviewOrders.
const MaxPreviewPage = 200

// PreviewOrders returns one page of the orders a query finds, newest
// first, each with the card attempt it was found by.
func (s *Service) PreviewOrders(ctx context.Context, q Query, offset, limit int) ([]AffectedOrder, error) {
	q, err := q.normalize()
	if err != nil {
		return nil, err
	}
	p := shop.Problems{}
	if offset < 0 {
		p.Add("offset", shop.ReasonRange)
	}
	if limit < 1 || limit > MaxPreviewPage {
		p.Add("limit", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	f := q.sql()
	chosen := f.chosenPayment()
	var out []AffectedOrder
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.CustomPlans(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+affectedColumns+`
			FROM orders o LEFT JOIN payments p ON p.id = `+chosen+`
			WHERE `+f.where+`
			ORDER BY o.created_at DESC, o.id DESC LIMIT `+f.args.Add(limit)+` OFFSET `+f.args.Add(offset), f.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAffected(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("incident: preview scope orders: %w", err)
	}
	return out, nil
}

// affectedColumns are an order (o) and its chosen payment attempt (p,
// left-joined) as scanAffected reads them.
const affectedColumns = `o.id, o.number, o.created_at, o.total, o.payment_method,
	COALESCE(p.provider, ''), COALESCE(p.brand, ''), COALESCE(p.last4, ''), COALESCE(p.provider_ref, '')`

func scanAffected(row interface{ Scan(...any) error }, more ...any) (AffectedOrder, error) {
	var a AffectedOrder
	err := row.Scan(append([]any{&a.OrderID, &a.Number, &a.PlacedAt, &a.Total, &a.Method,
		&a.Provider, &a.Brand, &a.Last4, &a.ProviderPaymentID}, more...)...)
	a.PlacedAt = a.PlacedAt.UTC()
	return a, err
}

// frozenRow is one order of a version's result.
type frozenRow struct {
	order   int64
	payment sql.NullInt64
	key     string
}

// insertChunk is how many rows one INSERT of the frozen result writes: 4
// parameters each, far below either database's limit.
const insertChunk = 250

// SaveScope runs the query and saves it on the incident with its result
// as the next version, audited ("incident.scope.save"). The result is
// frozen: ScopeOrders and ScopeCustomers return what was found now, even
// after orders change. A closed incident refuses (Conflict).
func (s *Service) SaveScope(ctx context.Context, incidentID int64, q Query, by audit.Actor) (Scope, error) {
	q, err := q.normalize()
	if err != nil {
		return Scope{}, err
	}
	now := s.clock().UTC()
	sc := Scope{IncidentID: incidentID, Query: q, SavedBy: by.Name, SavedAt: now}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		inc, err := getTx(ctx, tx, s.db, incidentID)
		if err != nil {
			return err
		}
		if inc.State == Closed {
			return &shop.Error{Code: shop.Conflict, Message: "the incident is closed"}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM incident_scopes WHERE incident_id = $1`,
			incidentID).Scan(&sc.Version); err != nil {
			return fmt.Errorf("incident: next scope version: %w", err)
		}
		js, err := json.Marshal(q.toJSON())
		if err != nil {
			return fmt.Errorf("incident: scope query: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO incident_scopes (incident_id, version, query, orders, customers, saved_by, saved_at)
			VALUES ($1, $2, $3, 0, 0, $4, $5) RETURNING id`,
			incidentID, sc.Version, string(js), by.Name, now).Scan(&sc.ID); err != nil {
			return fmt.Errorf("incident: save scope: %w", err)
		}
		if err := s.db.CustomPlans(ctx, tx); err != nil {
			return err
		}
		found, err := findOrders(ctx, tx, q)
		if err != nil {
			return err
		}
		if err := freeze(ctx, tx, sc.ID, found); err != nil {
			return err
		}
		people := map[string]bool{}
		for _, r := range found {
			people[r.key] = true
		}
		sc.Orders, sc.Customers = len(found), len(people)
		if _, err := tx.ExecContext(ctx, `UPDATE incident_scopes SET orders = $1, customers = $2 WHERE id = $3`,
			sc.Orders, sc.Customers, sc.ID); err != nil {
			return fmt.Errorf("incident: save scope: %w", err)
		}
		return audit.Record(ctx, tx, now, by, "incident.scope.save", inc.Ref(), nil, map[string]any{
			"scope": sc.ID, "version": sc.Version, "query": q.toJSON(), "orders": sc.Orders, "customers": sc.Customers})
	})
	if err != nil {
		return Scope{}, err
	}
	return sc, nil
}

// findOrders runs the query in tx and returns every order it finds with
// its chosen payment attempt and its person, in order of ID.
func findOrders(ctx context.Context, tx *sql.Tx, q Query) ([]frozenRow, error) {
	f := q.sql()
	chosen := f.chosenPayment()
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.email, `+chosen+` FROM orders o WHERE `+f.where+` ORDER BY o.id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("incident: find scope orders: %w", err)
	}
	defer rows.Close()
	var out []frozenRow
	for rows.Next() {
		var r frozenRow
		var email string
		if err := rows.Scan(&r.order, &email, &r.payment); err != nil {
			return nil, fmt.Errorf("incident: find scope orders: %w", err)
		}
		r.key = customerKey(email)
		out = append(out, r)
	}
	return out, rows.Err()
}

// freeze writes the result of scope id, a few hundred rows per statement.
func freeze(ctx context.Context, tx *sql.Tx, id int64, found []frozenRow) error {
	for start := 0; start < len(found); start += insertChunk {
		chunk := found[start:min(start+insertChunk, len(found))]
		var b strings.Builder
		b.WriteString(`INSERT INTO incident_scope_orders (scope_id, order_id, payment_id, customer_key) VALUES `)
		args := make([]any, 0, 4*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
			args = append(args, id, r.order, r.payment, r.key)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("incident: freeze scope %d: %w", id, err)
		}
	}
	return nil
}

const selectScope = `SELECT id, incident_id, version, query, orders, customers, saved_by, saved_at FROM incident_scopes`

func scanScope(row interface{ Scan(...any) error }) (Scope, error) {
	var sc Scope
	var js string
	if err := row.Scan(&sc.ID, &sc.IncidentID, &sc.Version, &js, &sc.Orders, &sc.Customers, &sc.SavedBy, &sc.SavedAt); err != nil {
		return Scope{}, err
	}
	var q queryJSON
	if err := json.Unmarshal([]byte(js), &q); err != nil {
		return Scope{}, fmt.Errorf("scope %d: query: %w", sc.ID, err)
	}
	sc.Query, sc.SavedAt = q.query(), sc.SavedAt.UTC()
	return sc, nil
}

// Scopes returns the incident's saved versions, the newest first.
func (s *Service) Scopes(ctx context.Context, incidentID int64) ([]Scope, error) {
	rows, err := s.db.QueryContext(ctx, selectScope+` WHERE incident_id = $1 ORDER BY version DESC`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("incident: scopes of %d: %w", incidentID, err)
	}
	defer rows.Close()
	var out []Scope
	for rows.Next() {
		sc, err := scanScope(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: scopes of %d: %w", incidentID, err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// LatestScope returns the incident's newest version, or NotFound when no
// scope has been saved.
func (s *Service) LatestScope(ctx context.Context, incidentID int64) (Scope, error) {
	return s.oneScope(ctx, ` WHERE incident_id = $1 ORDER BY version DESC LIMIT 1`, incidentID)
}

// ScopeVersion returns version n of the incident's scope, or NotFound.
func (s *Service) ScopeVersion(ctx context.Context, incidentID int64, n int) (Scope, error) {
	return s.oneScope(ctx, ` WHERE incident_id = $1 AND version = $2`, incidentID, n)
}

// GetScope returns the saved scope id, or NotFound.
func (s *Service) GetScope(ctx context.Context, id int64) (Scope, error) {
	return s.oneScope(ctx, ` WHERE id = $1`, id)
}

func (s *Service) oneScope(ctx context.Context, where string, args ...any) (Scope, error) {
	sc, err := scanScope(s.db.QueryRowContext(ctx, selectScope+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Scope{}, &shop.Error{Code: shop.NotFound, Message: "no scope saved"}
	}
	if err != nil {
		return Scope{}, fmt.Errorf("incident: scope: %w", err)
	}
	return sc, nil
}

// Window turns the days staff type, from and to both included, into a
// query's half-open window: [from 00:00 JST, the day after to 00:00 JST).
// A zero day stays zero, for the query to report as required.
func Window(from, to time.Time) (time.Time, time.Time) {
	day := func(t time.Time, add int) time.Time {
		if t.IsZero() {
			return t
		}
		t = t.In(shop.JST)
		return time.Date(t.Year(), t.Month(), t.Day()+add, 0, 0, 0, 0, shop.JST).UTC()
	}
	return day(from, 0), day(to, 1)
}
