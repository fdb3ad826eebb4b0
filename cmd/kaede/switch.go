package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// The shop's emergency switches from the command line, for when the admin
// cannot be reached (its allow-list, a lost second factor, the admin
// itself suspected): the same service, the same rules and the same audit
// log as the admin page, with the command line as the actor. Every running
// store obeys within switches.DefaultTTL.

// obeyedWithin is what the operator is promised: every instance rereads
// the switches every switches.DefaultTTL (two seconds); the rest is room
// for requests already in flight.
const obeyedWithin = 5 * time.Second

const switchUsage = `Usage: kaede switch card|checkout|maintenance on|off --reason TEXT [--banner TEXT] [--banner-en TEXT] [--data DIR | --demo | --database URL]
       kaede switch status [--json] [--data DIR | --demo | --database URL]`

// runSwitch dispatches the switch subcommands.
func runSwitch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o switchOptions
	fs := newFlagSet("switch", "Stops or resumes card payments or checkout, or starts or ends maintenance, on every running store\n"+
		"within "+obeyedWithin.String()+"; audited as the command line. A reason is required to stop or to start maintenance.\n"+
		"The banner is shown at the top of every store page while the switch is away from normal.\n\n"+switchUsage, stderr)
	fs.StringVar(&o.dataDir, "data", envOr("KAEDE_DATA_DIR", ""), "data directory (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&o.databaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.BoolVar(&o.demo, "demo", false, "the demo's data directory by default")
	fs.StringVar(&o.reason, "reason", "", "why (kept in the audit log and shown to staff); required to stop or to start maintenance")
	fs.StringVar(&o.banner, "banner", "", "the notice customers read on every page (Japanese, at most 200 characters); empty shows a standard sentence")
	fs.StringVar(&o.bannerEn, "banner-en", "", "the notice for English pages (at most 400 characters); empty shows the Japanese one under a standard sentence")
	fs.BoolVar(&o.json, "json", false, "status: print the switches as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && pos[0] == "status":
		return o.status(ctx, stdout)
	case len(pos) == 2 && (pos[1] == "on" || pos[1] == "off"):
		return o.set(ctx, switches.Name(pos[0]), pos[1] == "on", stdout)
	}
	fmt.Fprintln(stderr, switchUsage)
	return errors.New("switch: want a switch (card, checkout, maintenance) and on or off, or status")
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments ("kaede switch card off --reason …" and
// "kaede switch --demo card off" alike), and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

type switchOptions struct {
	dataDir, databaseURL     string
	demo, json               bool
	reason, banner, bannerEn string
}

// open opens the database the flags name and checks its schema.
func (o switchOptions) open(ctx context.Context) (*db.DB, error) {
	if o.dataDir == "" {
		o.dataDir = "kaede-data"
		if o.demo {
			o.dataDir = defaultDemoDir()
		}
	}
	cfg := Config{DataDir: o.dataDir, DatabaseURL: o.databaseURL, Addr: "127.0.0.1:8080"}
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

// set sets the switch and prints what changed.
func (o switchOptions) set(ctx context.Context, name switches.Name, on bool, stdout io.Writer) error {
	d, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := switches.NewService(d, shop.SystemClock, 0)
	before, err := svc.State(ctx)
	if err != nil {
		return err
	}
	sw, err := svc.Set(ctx, switches.Change{Name: name, On: on, Banner: o.banner, BannerEn: o.bannerEn, Reason: o.reason},
		audit.Actor{Name: audit.ActorCLI})
	if err != nil {
		return flagProblems(name, err)
	}
	was := before.Get(name)
	fmt.Fprintf(stdout, "%s: %s (was %s)\n", name, position(sw), position(was))
	if sw.Emergency() {
		banner := sw.Banner
		if banner == "" {
			banner = "(the standard sentence)"
		}
		fmt.Fprintf(stdout, "  banner: %s\n", banner)
	}
	fmt.Fprintf(stdout, "Every running store obeys within %s. Audited as %q.\n", obeyedWithin, audit.ActorCLI)
	return nil
}

// position is a switch's position as the operator reads it.
func position(sw switches.Switch) string {
	p := "off"
	if sw.On {
		p = "on"
	}
	if sw.Emergency() {
		p += " (emergency)"
	}
	return p
}

// flagProblems names the flags behind an Invalid error from the switches.
func flagProblems(name switches.Name, err error) error {
	fields := shop.ErrorFields(err)
	if shop.ErrorCode(err) != shop.Invalid || len(fields) == 0 {
		return err
	}
	flags := map[string]string{"name": "switch " + string(name) + " (want card, checkout or maintenance)",
		"reason": "--reason", "banner": "--banner", "banner_en": "--banner-en"}
	var out []string
	for f, reason := range fields {
		n := flags[f]
		if n == "" {
			n = f
		}
		out = append(out, n+": "+reason)
	}
	sort.Strings(out)
	return fmt.Errorf("switch: %s", strings.Join(out, "; "))
}

// switchJSON is a switch as status --json prints it.
type switchJSON struct {
	Name      string     `json:"name"`
	On        bool       `json:"on"`
	Emergency bool       `json:"emergency"`
	Banner    string     `json:"banner"`
	BannerEn  string     `json:"banner_en"`
	Reason    string     `json:"reason"`
	ChangedBy string     `json:"changed_by"`
	ChangedAt *time.Time `json:"changed_at"` // null when never changed
}

// status prints every switch.
func (o switchOptions) status(ctx context.Context, stdout io.Writer) error {
	d, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	st, err := switches.Load(ctx, d)
	if err != nil {
		return err
	}
	if o.json {
		out := []switchJSON{}
		for _, sw := range st.All() {
			j := switchJSON{Name: string(sw.Name), On: sw.On, Emergency: sw.Emergency(), Banner: sw.Banner,
				BannerEn: sw.BannerEn, Reason: sw.Reason, ChangedBy: sw.ChangedBy}
			if !sw.ChangedAt.IsZero() {
				at := sw.ChangedAt
				j.ChangedAt = &at
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SWITCH\tPOSITION\tCHANGED\tBY\tREASON\tBANNER")
	for _, sw := range st.All() {
		when := "-"
		if !sw.ChangedAt.IsZero() {
			when = sw.ChangedAt.In(shop.JST).Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sw.Name, position(sw), when, orDash(sw.ChangedBy),
			orDash(oneLine(sw.Reason, 80)), orDash(oneLine(sw.Banner, 80)))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
