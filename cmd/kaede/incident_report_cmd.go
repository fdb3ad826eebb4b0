package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// newIncidents is the incident desk with the sources its report drafts
// read outside the record, for the served store and the command line
// alike.
func newIncidents(d *db.DB, clock shop.Clock) *incident.Service {
	svc := incident.New(d, clock)
	svc.Sources.ShopName = func(ctx context.Context) (string, error) {
		s, err := settings.Load(ctx, d)
		if err != nil {
			return "", err
		}
		return s.ShopName, nil
	}
	svc.Sources.Counts = func(ctx context.Context, id int64) (int, int, bool, error) {
		sc, err := svc.LatestScope(ctx, id)
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			return 0, 0, false, nil
		case err != nil:
			return 0, 0, false, err
		}
		return sc.Orders, sc.Customers, true, nil
	}
	return svc
}

// runIncidentReport prints the draft of a report to the Personal
// Information Protection Commission (the nine items, saved by staff or
// drafted from the record), or writes it as a PDF.
func runIncidentReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newIncidentFlags("report", "Prints the draft of the report to the Personal Information Protection Commission: the nine\nitems of rule 8(1), as staff last saved them or drafted from the record; --out writes it as a PDF.\nUsage: kaede incident report ID --kind preliminary|final [--out FILE.pdf] [flags]", stderr)
	kind := fs.String("kind", "", "preliminary (速報) or final (確報) (required)")
	out := fs.String("out", "", `write the draft as a PDF to this file ("-" for standard output) instead of printing it`)
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	k := incident.ReportKind(*kind)
	if !k.Valid() {
		return fmt.Errorf("--kind %q: want preliminary or final", *kind)
	}
	svc, d, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	if *out != "" {
		var b bytes.Buffer
		if err := svc.ReportPDF(ctx, id, k, &b); err != nil {
			return err
		}
		if *out == "-" {
			_, err := stdout.Write(b.Bytes())
			return err
		}
		if err := os.WriteFile(*out, b.Bytes(), 0o600); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fmt.Fprintf(stdout, "%s of incident %d written to %s (%d bytes)\n", k.LabelJA(), id, *out, b.Len())
		return nil
	}
	r, err := svc.Report(ctx, id, k)
	if err != nil {
		return err
	}
	if r.Version > 0 {
		fmt.Fprintf(stdout, "個人情報保護委員会への報告（%s） 第%d版 %s %s\n\n", k.LabelJA(), r.Version, r.SavedBy, r.SavedAt.In(shop.JST).Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintf(stdout, "個人情報保護委員会への報告（%s） 記録から作成した下書き（未保存）\n\n", k.LabelJA())
	}
	for _, it := range r.Items.List() {
		fmt.Fprintf(stdout, "%d. %s\n%s\n\n", it.N, it.HeadingJA, it.Text)
	}
	return nil
}
