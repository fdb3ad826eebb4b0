package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// scopeSource is where an incident's campaign takes its recipients from:
// the incident's latest saved scope and its distinct customers.
func scopeSource(inc *incident.Service) incident.ScopeSource {
	return func(ctx context.Context, id int64) (incident.Scope, []incident.Customer, error) {
		sc, err := inc.LatestScope(ctx, id)
		if err != nil {
			return incident.Scope{}, nil, err
		}
		cs, err := inc.ScopeCustomers(ctx, sc.ID)
		return sc, cs, err
	}
}

// newCampaigns builds the campaigns on inc, writing e-mails to q.
func newCampaigns(inc *incident.Service, q *mail.Queue, set *settings.Service) *incident.Campaigns {
	return incident.NewCampaigns(inc, q, set, scopeSource(inc))
}

// openCampaigns parses a campaign command's flags (those of every
// incident subcommand, and extra's) and its one argument, the incident's
// ID, and opens the database and the campaigns: the e-mails go to the
// outbox, and the running server's job runner delivers them.
func openCampaigns(ctx context.Context, name, summary string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*db.DB, *incident.Campaigns, int64, error) {
	fs, st := newIncidentFlags(name, summary, stderr)
	if extra != nil {
		extra(fs)
	}
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return nil, nil, 0, err
	}
	id, err := incidentID(pos)
	if err != nil {
		return nil, nil, 0, err
	}
	inc, d, err := st.open(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	r, err := jobs.New(d, slog.New(slog.NewTextHandler(stderr, nil)), jobs.Config{})
	if err != nil {
		d.Close()
		return nil, nil, 0, err
	}
	return d, newCampaigns(inc, mail.NewQueue(r, shop.SystemClock), settings.NewService(d, shop.SystemClock, 0)), id, nil
}

// cliActor is the operator at the command line, as the audit log and the
// timeline record them.
var cliActor = audit.Actor{Name: audit.ActorCLI}

const incidentNotifySummary = `Queues the incident's notice to every affected customer not yet written to, and prints
how many were queued and how many skipped (already queued or sent). The running server's job
runner delivers them; follow the progress in the admin (お客様への通知 → 送信状況).

Without a campaign yet, one is prepared from the incident's latest saved scope with the default
notice. Like the admin, it refuses to send until a test e-mail of the current text went to staff
(the admin's preview page); --skip-test sends without one, and the audit log records that it did.
Nobody is ever sent a second copy: run it again after an interruption and it sends to the rest.

Usage: kaede incident notify ID [--skip-test] [--refresh] [--data DIR | --demo | --database URL]`

// runIncidentNotify is "kaede incident notify ID": it queues the
// campaign's e-mails and prints the counts.
func runIncidentNotify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var skipTest, refresh bool
	d, c, id, err := openCampaigns(ctx, "notify", incidentNotifySummary, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&skipTest, "skip-test", false, "send although no test e-mail went to staff after the last edit")
		fs.BoolVar(&refresh, "refresh", false, "first bring the recipients up to date with the latest saved scope")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	_, err = c.Get(ctx, id)
	if shop.ErrorCode(err) == shop.NotFound || (err == nil && refresh) {
		camp, res, perr := c.Prepare(ctx, id, cliActor)
		if perr != nil {
			return fmt.Errorf("prepare the campaign of incident %d: %w", id, perr)
		}
		fmt.Fprintf(stdout, "campaign of incident %d: %d recipients from scope %d (%d added, %d removed)\n",
			id, res.Total, camp.ScopeID, res.Added, res.Removed)
	} else if err != nil {
		return err
	}
	res, err := c.Send(ctx, id, incident.SendOptions{SkipTest: skipTest}, cliActor)
	if errors.Is(err, incident.ErrNotTested) {
		return fmt.Errorf("incident %d: no test e-mail of the current text went to staff: send one from the admin's preview page, or pass --skip-test", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "queued %d, skipped %d (already queued or sent), failed %d (no valid address)\n", res.Queued, res.Skipped, res.Failed)
	return nil
}

const incidentLettersSummary = `Writes the incident campaign's letters, one A4 page per customer who gets one, laid out for a
長3 window envelope, as one PDF; with --labels, also the label list (CSV: postcode, address, name,
and 不達 for customers whose e-mail failed). Both hold every customer's name and address: the
audit log records each export. --offset and --limit write a part (the admin offers parts of 2,000).

Usage: kaede incident letters ID --out FILE.pdf [--labels FILE.csv] [--encoding utf8|sjis] [--offset N] [--limit N]
       [--data DIR | --demo | --database URL]`

// runIncidentLetters is "kaede incident letters ID --out FILE.pdf".
func runIncidentLetters(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out, labels, enc string
	var part incident.LetterPart
	d, c, id, err := openCampaigns(ctx, "letters", incidentLettersSummary, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "the PDF file to write")
		fs.StringVar(&labels, "labels", "", "the label CSV to write too")
		fs.StringVar(&enc, "encoding", string(incident.UTF8), "the label CSV's encoding: utf8 or sjis")
		fs.IntVar(&part.Offset, "offset", 0, "skip this many letters")
		fs.IntVar(&part.Limit, "limit", 0, "write at most this many letters (0: all)")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if out == "" {
		return errors.New("--out FILE.pdf is required")
	}
	n, err := writeFileAtomically(out, func(w io.Writer) (int, error) { return c.WriteLetters(ctx, id, w, part, cliActor) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d letters written to %s\n", n, out)
	if labels == "" {
		return nil
	}
	var res incident.LabelResult
	_, err = writeFileAtomically(labels, func(w io.Writer) (int, error) {
		res, err = c.WriteLabels(ctx, id, w, incident.Encoding(enc), cliActor)
		return res.Rows, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d labels written to %s\n", res.Rows, labels)
	if len(res.Replaced) > 0 {
		fmt.Fprintf(stdout, "%d labels hold 〓 for a character Shift_JIS cannot hold (recipients %v): correct them by hand, or write the list in UTF-8\n",
			len(res.Replaced), res.Replaced)
	}
	return nil
}

// writeFileAtomically writes a file of personal data next to path and
// renames it into place only when write succeeded, readable by its owner
// alone: a failed run leaves no half file behind.
func writeFileAtomically(path string, write func(io.Writer) (int, error)) (int, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name()) // after a successful rename, nothing to remove
	n, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return 0, err
	}
	return n, nil
}
