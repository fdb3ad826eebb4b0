package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"kaede/internal/secevent"
)

const securityEventsUsage = "kaede security events [--json] [--since DURATION] [--open] [--demo | --data DIR | --database URL]"

// runSecurityEvents lists security events, most recently seen first.
func runSecurityEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// --demo reads the demo's data directory; it must be known before
	// the database opens, so it is looked for ahead of the flag parsing.
	if hasFlag(args, "demo") && !hasFlag(args, "data") && !hasFlag(args, "database") {
		args = append([]string{"--data", defaultDemoDir()}, args...)
	}
	var asJSON, open, demo bool
	var since time.Duration
	d, _, err := openDB(ctx, "security events", "Lists the security events (newest first): what the monitor, the CSP reports and the detectors raised.", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON, one array")
		fs.BoolVar(&open, "open", false, "only events not yet resolved")
		fs.DurationVar(&since, "since", 0, "only events last seen within this long, e.g. 24h")
		fs.BoolVar(&demo, "demo", false, "read the demo's data directory ("+defaultDemoDir()+")")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	if since < 0 {
		return errors.New("--since must not be negative")
	}
	f := secevent.Filter{Open: open, Limit: 1000}
	if since > 0 {
		f.Since = time.Now().Add(-since)
	}
	evs, err := secevent.NewStore(d, nil).List(ctx, f)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if evs == nil {
			evs = []secevent.Event{}
		}
		return enc.Encode(evs)
	}
	if len(evs) == 0 {
		fmt.Fprintln(stdout, "no security events")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSTATE\tKIND\tCOUNT\tLAST SEEN (UTC)\tTARGET\tSUMMARY")
	for _, e := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.Severity, e.State, e.Kind, e.Count,
			e.LastSeen.Format("2006-01-02 15:04:05"), oneLine(e.Target, 60), oneLine(e.Summary, 100))
	}
	return tw.Flush()
}

// hasFlag reports whether args set the flag name (-name, --name, with or
// without =value).
func hasFlag(args []string, name string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		a = strings.TrimLeft(a, "-")
		return a == name || strings.HasPrefix(a, name+"=")
	})
}

// oneLine keeps a terminal line one line: targets and summaries may hold
// text a stranger chose (a blocked URL in a CSP report).
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
