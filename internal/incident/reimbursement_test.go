package incident_test

import (
	"testing"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

func TestReimbursements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newScopeShop(t, d)
		ctx := s.ctx
		in := incident.ReimbursementInput{CustomerKey: "A@Example.jp", Amount: 1100, State: incident.Requested, Note: "再発行手数料"}
		if _, err := s.svc.SaveReimbursement(ctx, s.inc.ID, in, owner); fields(err)["customer"] != shop.ReasonChoice {
			t.Fatalf("before any scope is saved: %v, want Invalid customer", err)
		}
		if _, err := s.svc.SaveScope(ctx, s.inc.ID, s.query(), owner); err != nil {
			t.Fatal(err)
		}
		r, err := s.svc.SaveReimbursement(ctx, s.inc.ID, in, owner)
		if err != nil {
			t.Fatal(err)
		}
		if r.CustomerKey != "a@example.jp" || r.State != incident.Requested || r.Amount != 1100 {
			t.Fatalf("saved %+v", r)
		}
		in.State = incident.Paid
		paid, err := s.svc.SaveReimbursement(ctx, s.inc.ID, in, owner)
		if err != nil || paid.ID != r.ID || paid.State != incident.Paid {
			t.Fatalf("paid %+v %v, want the same claim paid", paid, err)
		}
		other := incident.ReimbursementInput{CustomerKey: "g@example.jp", State: incident.Declined, Note: "手数料なし"}
		if _, err := s.svc.SaveReimbursement(ctx, s.inc.ID, other, owner); err != nil {
			t.Fatal(err)
		}
		list, err := s.svc.Reimbursements(ctx, s.inc.ID)
		if err != nil || len(list) != 2 || list[0].CustomerKey != "a@example.jp" {
			t.Fatalf("list %+v %v", list, err)
		}
		if tot := incident.ReimbursementTotals(list); tot[incident.Paid] != 1100 || tot[incident.Declined] != 0 {
			t.Errorf("totals %v", tot)
		}
		if _, err := s.svc.SaveReimbursement(ctx, s.inc.ID, incident.ReimbursementInput{CustomerKey: "zz@example.jp",
			Amount: 1100, State: incident.Requested}, owner); fields(err)["customer"] != shop.ReasonChoice {
			t.Errorf("a customer outside the scope: %v, want Invalid customer", err)
		}
		if _, err := s.svc.SaveReimbursement(ctx, 999, in, owner); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("no such incident: %v, want NotFound", err)
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "incident.reimbursement"})
		if err != nil || len(entries) != 3 {
			t.Fatalf("audit %v %v, want 3 entries", entries, err)
		}
		var withBefore int
		for _, e := range entries {
			if e.Before != "" {
				withBefore++
			}
		}
		if withBefore != 1 {
			t.Errorf("%d entries with a before state, want 1 (the change to paid)", withBefore)
		}

		bad := []struct {
			in    incident.ReimbursementInput
			field string
		}{
			{incident.ReimbursementInput{Amount: 1100, State: incident.Requested}, "customer"},
			{incident.ReimbursementInput{CustomerKey: "no-at", Amount: 1100, State: incident.Requested}, "customer"},
			{incident.ReimbursementInput{CustomerKey: "a@example.jp", Amount: -1, State: incident.Requested}, "amount"},
			{incident.ReimbursementInput{CustomerKey: "a@example.jp", Amount: 100_001, State: incident.Requested}, "amount"},
			{incident.ReimbursementInput{CustomerKey: "a@example.jp", Amount: 0, State: incident.Paid}, "amount"},
			{incident.ReimbursementInput{CustomerKey: "a@example.jp", Amount: 1100, State: "refunded"}, "state"},
		}
		for _, tc := range bad {
			if _, err := s.svc.SaveReimbursement(ctx, s.inc.ID, tc.in, owner); fields(err)[tc.field] == "" {
				t.Errorf("%+v: %v, want Invalid naming %s", tc.in, err, tc.field)
			}
		}
	})
}
