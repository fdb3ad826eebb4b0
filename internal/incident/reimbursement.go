package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// ReimbursementState is where a customer's claim for their card's reissue
// fee stands.
type ReimbursementState string

// The states. Staff may move a claim between them (a declined claim
// reconsidered); each change is audited.
const (
	Requested ReimbursementState = "requested" // the customer asked; not paid yet
	Paid      ReimbursementState = "paid"
	Declined  ReimbursementState = "declined"
)

// ReimbursementStates lists them in the order the admin offers them.
var ReimbursementStates = []ReimbursementState{Requested, Paid, Declined}

// Valid reports whether st is one of the states.
func (st ReimbursementState) Valid() bool {
	return st == Requested || st == Paid || st == Declined
}

// MaxReimbursement bounds one claim: card companies in Japan charge a
// reissue fee of ¥0 to a few thousand yen, so a larger figure is a typo.
const MaxReimbursement shop.Yen = 100_000

const maxReimbursementNote = 1000

// Reimbursement is the shop paying back one affected customer's card
// reissue fee.
type Reimbursement struct {
	ID          int64
	IncidentID  int64
	CustomerKey string // as Customer.Key
	Amount      shop.Yen
	State       ReimbursementState
	Note        string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedBy   string
	UpdatedAt   time.Time
}

// ReimbursementInput is a claim as staff record it.
type ReimbursementInput struct {
	CustomerKey string // the customer's e-mail address
	Amount      shop.Yen
	State       ReimbursementState
	Note        string
}

// SaveReimbursement records or updates the customer's claim on the
// incident, audited ("incident.reimbursement"). The customer must be one
// of the people of the incident's saved scopes (Invalid, "customer":
// choice, otherwise): the shop pays back those its breach affected. Bad
// fields → Invalid naming them (customer, amount, state, note).
func (s *Service) SaveReimbursement(ctx context.Context, incidentID int64, in ReimbursementInput, by audit.Actor) (Reimbursement, error) {
	in.CustomerKey = customerKey(in.CustomerKey)
	in.Note = strings.TrimSpace(in.Note)
	f := map[string]string{}
	if in.CustomerKey == "" {
		f["customer"] = shop.ReasonRequired
	} else if !isEmail(in.CustomerKey) {
		f["customer"] = shop.ReasonFormat
	}
	if in.Amount < 0 || in.Amount > MaxReimbursement {
		f["amount"] = shop.ReasonRange
	}
	if !in.State.Valid() {
		f["state"] = shop.ReasonChoice
	} else if in.State == Paid && in.Amount == 0 {
		f["amount"] = shop.ReasonRange
	}
	checkText(f, "note", in.Note, maxReimbursementNote, false)
	if err := invalid("invalid reimbursement", f); err != nil {
		return Reimbursement{}, err
	}
	now := s.clock().UTC()
	var out Reimbursement
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		inc, err := getTx(ctx, tx, s.db, incidentID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_scopes s
			JOIN incident_scope_orders so ON so.scope_id = s.id
			WHERE s.incident_id = $1 AND so.customer_key = $2`, incidentID, in.CustomerKey).Scan(&n); err != nil {
			return fmt.Errorf("incident: reimbursement: %w", err)
		}
		if n == 0 {
			return &shop.Error{Code: shop.Invalid, Message: "the customer is in none of the incident's saved scopes",
				Fields: map[string]string{"customer": shop.ReasonChoice}}
		}
		before, err := scanReimbursement(tx.QueryRowContext(ctx, selectReimbursement+
			` WHERE incident_id = $1 AND customer_key = $2`+s.db.ForUpdate(), incidentID, in.CustomerKey))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out = Reimbursement{IncidentID: incidentID, CustomerKey: in.CustomerKey, Amount: in.Amount, State: in.State,
				Note: in.Note, CreatedBy: by.Name, CreatedAt: now, UpdatedBy: by.Name, UpdatedAt: now}
			err = tx.QueryRowContext(ctx, `INSERT INTO incident_reimbursements
				(incident_id, customer_key, amount, state, note, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				incidentID, out.CustomerKey, out.Amount, string(out.State), out.Note, by.Name, now, by.Name, now).Scan(&out.ID)
			if err != nil {
				return fmt.Errorf("incident: reimbursement: %w", err)
			}
			return audit.Record(ctx, tx, now, by, "incident.reimbursement", inc.Ref(), nil, reimbursementView(out))
		case err != nil:
			return fmt.Errorf("incident: reimbursement: %w", err)
		}
		out = before
		out.Amount, out.State, out.Note, out.UpdatedBy, out.UpdatedAt = in.Amount, in.State, in.Note, by.Name, now
		if _, err := tx.ExecContext(ctx, `UPDATE incident_reimbursements
			SET amount = $1, state = $2, note = $3, updated_by = $4, updated_at = $5 WHERE id = $6`,
			out.Amount, string(out.State), out.Note, by.Name, now, out.ID); err != nil {
			return fmt.Errorf("incident: reimbursement: %w", err)
		}
		return audit.Record(ctx, tx, now, by, "incident.reimbursement", inc.Ref(), reimbursementView(before), reimbursementView(out))
	})
	if err != nil {
		return Reimbursement{}, err
	}
	return out, nil
}

// reimbursementView is what the audit log keeps of a claim.
func reimbursementView(r Reimbursement) map[string]any {
	return map[string]any{"customer": r.CustomerKey, "amount": r.Amount, "state": r.State, "note": r.Note}
}

const selectReimbursement = `SELECT id, incident_id, customer_key, amount, state, note, created_by, created_at,
	updated_by, updated_at FROM incident_reimbursements`

func scanReimbursement(row interface{ Scan(...any) error }) (Reimbursement, error) {
	var r Reimbursement
	var state string
	err := row.Scan(&r.ID, &r.IncidentID, &r.CustomerKey, &r.Amount, &state, &r.Note, &r.CreatedBy, &r.CreatedAt,
		&r.UpdatedBy, &r.UpdatedAt)
	r.State, r.CreatedAt, r.UpdatedAt = ReimbursementState(state), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// Reimbursements returns the incident's claims by customer.
func (s *Service) Reimbursements(ctx context.Context, incidentID int64) ([]Reimbursement, error) {
	rows, err := s.db.QueryContext(ctx, selectReimbursement+` WHERE incident_id = $1 ORDER BY customer_key`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("incident: reimbursements of %d: %w", incidentID, err)
	}
	defer rows.Close()
	var out []Reimbursement
	for rows.Next() {
		r, err := scanReimbursement(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: reimbursements of %d: %w", incidentID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReimbursementTotals sums the incident's claims by state, for the
// incident's page and the final report.
func ReimbursementTotals(list []Reimbursement) map[ReimbursementState]shop.Yen {
	out := map[ReimbursementState]shop.Yen{}
	for _, r := range list {
		out[r.State] += r.Amount
	}
	return out
}
