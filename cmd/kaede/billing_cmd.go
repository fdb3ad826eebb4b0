package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"kaede/internal/audit"
	"kaede/internal/billing"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/shop"
)

const billingUsage = `Usage: kaede billing close --month YYYY-MM [--data DIR | --demo | --database URL]`

// runBilling dispatches the billing subcommands: closing a month by hand,
// as the periodic task and the admin's button do.
func runBilling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// The database flags are kaede switch's.
	var o switchOptions
	var month string
	fs := newFlagSet("billing", "Closes a month that has ended: one consolidated invoice (適格請求書) per business customer\n"+
		"for the month's orders on account, e-mailed through the outbox (the running store delivers it).\n"+
		"Closing a month again issues nothing new. Audited as the command line.\n\n"+billingUsage, stderr)
	fs.StringVar(&o.dataDir, "data", envOr("KAEDE_DATA_DIR", ""), "data directory (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&o.databaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.BoolVar(&o.demo, "demo", false, "the demo's data directory by default")
	fs.StringVar(&month, "month", "", "the month to close, YYYY-MM (Japan time)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "close" {
		fmt.Fprintln(stderr, billingUsage)
		return errors.New("billing: want close")
	}
	if month == "" {
		return errors.New("billing close: --month YYYY-MM is required")
	}
	d, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	r, err := jobs.New(d, slog.New(slog.NewTextHandler(stderr, nil)), jobs.Config{})
	if err != nil {
		return err
	}
	q := mail.NewQueue(r, shop.SystemClock)
	svc := billing.New(d, order.New(d, q, shop.SystemClock), member.New(d, q, shop.SystemClock, ""), q, shop.SystemClock, "")
	issued, err := svc.Close(ctx, month, audit.Actor{Name: audit.ActorCLI})
	for _, inv := range issued {
		fmt.Fprintf(stdout, "%s  %s  %d order(s)  %s  due %s\n", inv.Number, inv.Company, inv.Orders, inv.Total, inv.DueOn.Format(time.DateOnly))
	}
	if shop.ErrorCode(err) == shop.Invalid {
		return fmt.Errorf("billing close: --month %q: want YYYY-MM", month)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s closed: %d invoice(s) issued\n", month, len(issued))
	return nil
}

// billingTasks close last month (daily: the first run after a month ends
// bills it, later runs find nothing new) and remind overdue invoices
// (hourly, once per invoice and stage).
func (m *Main) billingTasks(svc *services) []jobs.Task {
	return []jobs.Task{
		{Name: "billing_close", Every: 6 * time.Hour, Run: func(ctx context.Context) error {
			issued, err := svc.billing.Close(ctx, billing.LastMonth(m.Clock()), audit.System("billing"))
			if len(issued) > 0 {
				m.Log.Info("monthly invoices issued", "count", len(issued))
			}
			return err
		}},
		{Name: "billing_overdue", Every: time.Hour, Run: func(ctx context.Context) error {
			n, err := svc.billing.RemindOverdue(ctx)
			if n > 0 {
				m.Log.Info("overdue invoices reminded", "count", n)
			}
			return err
		}},
	}
}
