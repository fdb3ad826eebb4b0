package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

// incidentCommand is one subcommand of kaede incident.
type incidentCommand struct {
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	usage string // the line after "kaede incident "
}

// incidentCommands are kaede incident's subcommands. Each part of the
// incident desk adds its own line here (scope, notify, letters, report):
// the dispatcher and the usage follow.
var incidentCommands = map[string]incidentCommand{
	"open":         {runIncidentOpen, "open --title TEXT --discovered TIME [--noticed TEXT] [--category card_data] [--unauthorised]"},
	"list":         {runIncidentList, "list [--json]"},
	"show":         {runIncidentShow, "show ID [--json]"},
	"record":       {runIncidentRecord, "record ID --kind KIND --at TIME --text TEXT"},
	"summary":      {runIncidentSummary, "summary ID --out FILE.pdf [--lang ja|en]"},
	"reopen-check": {runIncidentReopenCheck, "reopen-check ID [--json]"},
	"report":       {runIncidentReport, "report ID --kind preliminary|final [--out FILE.pdf]"},
	"scope":        {runIncidentScope, "scope ID --from DATE --to DATE [--method card] [--brand visa] [--provider P] [--product ID] [--customer EMAIL] [--save] [--json]"},
	"export":       {runIncidentExport, "export ID --acquirer|--customers --out FILE [--encoding utf8|sjis] [--version N]"},
	"notify":       {runIncidentNotify, "notify ID [--skip-test] [--refresh]"},
	"letters":      {runIncidentLetters, "letters ID --out FILE.pdf [--labels FILE.csv] [--encoding utf8|sjis] [--offset N] [--limit N]"},
}

// incidentUsage lists the subcommands, sorted, with the flags they share.
func incidentUsage() string {
	names := make([]string, 0, len(incidentCommands))
	for n := range incidentCommands {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, n := range names {
		if i == 0 {
			b.WriteString("Usage: kaede incident ")
		} else {
			b.WriteString("       kaede incident ")
		}
		b.WriteString(incidentCommands[n].usage + "\n")
	}
	b.WriteString("Every subcommand takes [--data DIR | --demo | --database URL]. TIME is RFC 3339\n" +
		"(2026-05-01T10:00:00+09:00) or \"2026-05-01 10:00\" in Japan time.\n")
	return b.String()
}

// runIncident dispatches the incident subcommands: the incident desk from
// the command line, for when the admin is out of reach or a script keeps
// the record.
func runIncident(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, incidentUsage())
		return errors.New("incident: no subcommand given")
	}
	c, ok := incidentCommands[args[0]]
	if !ok {
		fmt.Fprint(stderr, incidentUsage())
		return fmt.Errorf("incident: unknown subcommand %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

// incidentStore is where an incident subcommand finds the database: the
// flags kaede monitor approve takes.
type incidentStore struct {
	dataDir, databaseURL string
	demo                 bool
}

// newIncidentFlags returns the subcommand's flag set with the database
// flags bound.
func newIncidentFlags(name, summary string, stderr io.Writer) (*flag.FlagSet, *incidentStore) {
	st := &incidentStore{}
	fs := newFlagSet("incident "+name, summary, stderr)
	fs.StringVar(&st.dataDir, "data", envOr("KAEDE_DATA_DIR", ""), "data directory (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&st.databaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.BoolVar(&st.demo, "demo", false, "the demo's data directory by default")
	return fs, st
}

// open opens the database and checks that its schema is current.
func (st *incidentStore) open(ctx context.Context) (*incident.Service, *db.DB, error) {
	dataDir := st.dataDir
	if dataDir == "" {
		dataDir = "kaede-data"
		if st.demo {
			dataDir = defaultDemoDir()
		}
	}
	cfg := Config{DataDir: dataDir, DatabaseURL: st.databaseURL, Addr: "127.0.0.1:8080"}
	cfg.finish()
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSchema(ctx, d); err != nil {
		d.Close()
		return nil, nil, err
	}
	return newIncidents(d, shop.SystemClock), d, nil
}

// parseWithArgs parses flags that may come before or after the
// positional arguments ("show 3 --json" as well as "show --json 3"), which
// the flag package alone stops at, and returns the positional ones.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
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

// incidentID reads the one positional argument, the incident's ID.
func incidentID(pos []string) (int64, error) {
	if len(pos) != 1 {
		return 0, fmt.Errorf("want one incident ID, got %d arguments", len(pos))
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("ID %q: want a number", pos[0])
	}
	return id, nil
}

// timeFlag reads a TIME flag's value, naming the flag when it is wrong.
func timeFlag(name, v string) (time.Time, error) {
	if strings.TrimSpace(v) == "" {
		return time.Time{}, fmt.Errorf("--%s is required (%s)", name, incident.ErrTimeFormat)
	}
	t, err := incident.ParseTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %w", name, err)
	}
	return t, nil
}

// flagError turns the service's refusal into one line naming the flags
// (flags maps the service's field names to them); other errors pass.
func flagError(err error, flags map[string]string) error {
	fields := shop.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, f := range names {
		flag := f
		if n, ok := flags[f]; ok {
			flag = "--" + n
		}
		parts = append(parts, flag+": "+reasonText(f, fields[f]))
	}
	return errors.New(strings.Join(parts, "; "))
}

// reasonText says a field's reason in words for the terminal.
func reasonText(field, reason string) string {
	switch {
	case field == "category" && reason == shop.ReasonChoice:
		var cs []string
		for _, c := range incident.Categories {
			cs = append(cs, string(c))
		}
		return "want one of " + strings.Join(cs, ", ")
	case field == "kind" && reason == shop.ReasonChoice:
		var ks []string
		for _, k := range incident.EventKinds {
			ks = append(ks, string(k))
		}
		return "want one of " + strings.Join(ks, ", ")
	case (field == "discovered_at" || field == "occurred_at") && reason == shop.ReasonRange:
		return "out of range (not in the future; a discovery not before 2000, an event not a year before the discovery)"
	}
	switch reason {
	case shop.ReasonRequired:
		return "required"
	case shop.ReasonLength:
		return "too long"
	case shop.ReasonFormat:
		return "not valid text"
	}
	return reason
}

var openFlags = map[string]string{"title": "title", "noticed": "noticed", "category": "category", "discovered_at": "discovered"}

// runIncidentOpen opens an incident and prints its ID alone, so that a
// script can keep it: id=$(kaede incident open …).
func runIncidentOpen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newIncidentFlags("open", "Opens an incident and prints its ID (only the ID, for scripts). The deadlines of the reports\nrun from --discovered: when anyone in the shop first learned of it (知った時点), not when it was confirmed.", stderr)
	var in incident.OpenInput
	var discovered, category string
	fs.StringVar(&in.Title, "title", "", "a short title (required)")
	fs.StringVar(&in.Noticed, "noticed", "", "what was noticed, by whom and how")
	fs.StringVar(&discovered, "discovered", "", `when the shop learned of it: RFC 3339 or "2006-01-02 15:04" in Japan time (required)`)
	fs.StringVar(&category, "category", string(incident.CardData), "card_data, personal_data, tampering, unauthorised_access or other")
	fs.BoolVar(&in.Unauthorised, "unauthorised", false, "the cause may be unauthorised access (the APPI final report is then due in 60 days, not 30)")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("incident open: unexpected argument %q", pos[0])
	}
	if strings.TrimSpace(in.Title) == "" {
		return errors.New("--title is required")
	}
	if in.DiscoveredAt, err = timeFlag("discovered", discovered); err != nil {
		return err
	}
	in.Category = incident.Category(category)
	svc, d, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	inc, err := svc.Open(ctx, in, audit.Actor{Name: audit.ActorCLI})
	if err != nil {
		return flagError(err, openFlags)
	}
	fmt.Fprintln(stdout, inc.ID)
	return nil
}

// incidentJSON is an incident as the command line prints it.
type incidentJSON struct {
	ID           int64     `json:"id"`
	Title        string    `json:"title"`
	Noticed      string    `json:"noticed"`
	Category     string    `json:"category"`
	DiscoveredAt time.Time `json:"discovered_at"`
	Unauthorised bool      `json:"unauthorised"`
	State        string    `json:"state"`
	OpenedBy     string    `json:"opened_by"`
	OpenedAt     time.Time `json:"opened_at"`
	ClosedBy     string    `json:"closed_by,omitempty"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
}

func toIncidentJSON(i incident.Incident) incidentJSON {
	return incidentJSON{ID: i.ID, Title: i.Title, Noticed: i.Noticed, Category: string(i.Category),
		DiscoveredAt: i.DiscoveredAt, Unauthorised: i.Unauthorised, State: string(i.State),
		OpenedBy: i.OpenedBy, OpenedAt: i.OpenedAt, ClosedBy: i.ClosedBy, ClosedAt: i.ClosedAt}
}

// runIncidentList lists the incidents, the open ones first.
func runIncidentList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newIncidentFlags("list", "Lists the incidents, the open ones first, with the next report each open one owes.", stderr)
	asJSON := fs.Bool("json", false, "print JSON, one array")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("incident list: unexpected argument %q", pos[0])
	}
	svc, d, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	list, err := svc.List(ctx, "")
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]incidentJSON, 0, len(list))
		for _, i := range list {
			out = append(out, toIncidentJSON(i))
		}
		return writeJSON(stdout, out)
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no incidents")
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tCATEGORY\tDISCOVERED\tNEXT DEADLINE\tTITLE")
	for _, i := range list {
		next := "-"
		if i.State == incident.Open {
			ds, err := svc.Deadlines(ctx, i)
			if err != nil {
				return err
			}
			for _, dl := range ds {
				if dl.Status != incident.Filed {
					next = fmt.Sprintf("%s %s (%s, %s)", dl.Code, incident.Day(dl.Due, "en"), dl.Status, daysText(dl, now))
					break
				}
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", i.ID, i.State, i.Category, incident.When(i.DiscoveredAt), next, oneLine(i.Title, 80))
	}
	return tw.Flush()
}

// daysText says how a report stands in days: "3 days left", "due today",
// "2 days overdue", or for a filed one whether it was on time.
func daysText(d incident.DeadlineState, now time.Time) string {
	if d.Status == incident.Filed {
		if d.Late {
			return "filed late"
		}
		return "on time"
	}
	switch n := d.DaysLeft(now); {
	case n > 0:
		return fmt.Sprintf("%d days left", n)
	case n == 0:
		return "due today"
	default:
		return fmt.Sprintf("%d days overdue", -n)
	}
}

// showJSON is kaede incident show --json.
type showJSON struct {
	Incident  incidentJSON   `json:"incident"`
	Deadlines []deadlineJSON `json:"deadlines"`
	Timeline  []eventJSON    `json:"timeline"`
	Evidence  []evidenceJSON `json:"evidence"`
}

type deadlineJSON struct {
	Code      string    `json:"code"`
	Label     string    `json:"label"`
	Due       time.Time `json:"due"`
	LateAfter time.Time `json:"late_after,omitzero"`
	Status    string    `json:"status"`
	Filed     time.Time `json:"filed,omitzero"`
	Late      bool      `json:"late"`
	DaysLeft  int       `json:"days_left"`
}

type eventJSON struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	OccurredAt time.Time `json:"occurred_at"`
	Text       string    `json:"text"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

type evidenceJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Note       string    `json:"note,omitempty"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// runIncidentShow prints one incident: facts, deadlines, timeline and
// evidence.
func runIncidentShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newIncidentFlags("show", "Prints an incident: its facts, the reports' deadlines and status, the timeline and the evidence.\nUsage: kaede incident show ID [flags]", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	svc, d, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	sum, err := svc.Summary(ctx, id, "en")
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, toShowJSON(sum))
	}
	return printIncident(stdout, sum)
}

func toShowJSON(s incident.Summary) showJSON {
	out := showJSON{Incident: toIncidentJSON(s.Incident), Deadlines: []deadlineJSON{}, Timeline: []eventJSON{}, Evidence: []evidenceJSON{}}
	for _, d := range s.Deadlines {
		out.Deadlines = append(out.Deadlines, deadlineJSON{Code: string(d.Code), Label: d.LabelEN, Due: d.Due.UTC(),
			LateAfter: d.LateAfter.UTC(), Status: string(d.Status), Filed: d.Filed, Late: d.Late, DaysLeft: d.DaysLeft(s.AsOf)})
	}
	for _, e := range s.Timeline {
		out.Timeline = append(out.Timeline, eventJSON{ID: e.ID, Kind: string(e.Kind), OccurredAt: e.OccurredAt,
			Text: e.Text, RecordedBy: e.RecordedBy, RecordedAt: e.RecordedAt})
	}
	for _, e := range s.Evidence {
		out.Evidence = append(out.Evidence, evidenceJSON{ID: e.ID, Name: e.Name, Note: e.Note, Size: e.Size,
			SHA256: e.SHA256, UploadedBy: e.UploadedBy, UploadedAt: e.UploadedAt})
	}
	return out
}

// printIncident writes the incident for a terminal. Text staff typed is
// kept to one line per entry: it may hold anything.
func printIncident(w io.Writer, s incident.Summary) error {
	i := s.Incident
	unauth := "no (APPI final report within 30 days)"
	if i.Unauthorised {
		unauth = "yes (APPI final report within 60 days)"
	}
	fmt.Fprintf(w, "Incident %d: %s\n", i.ID, oneLine(i.Title, 200))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "State:\t%s\n", i.State)
	fmt.Fprintf(tw, "Category:\t%s\n", i.Category)
	fmt.Fprintf(tw, "Discovered:\t%s\n", incident.When(i.DiscoveredAt))
	fmt.Fprintf(tw, "Unauthorised:\t%s\n", unauth)
	fmt.Fprintf(tw, "Opened:\t%s by %s\n", incident.When(i.OpenedAt), i.OpenedBy)
	if i.State == incident.Closed {
		fmt.Fprintf(tw, "Closed:\t%s by %s\n", incident.When(i.ClosedAt), i.ClosedBy)
	}
	if i.Noticed != "" {
		fmt.Fprintf(tw, "Noticed:\t%s\n", oneLine(i.Noticed, 200))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nDeadlines (in Japan time)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPORT\tDUE\tLATE AFTER\tSTATUS\tFILED\tDAYS")
	for _, d := range s.Deadlines {
		late := "-"
		if !d.LateAfter.IsZero() {
			late = incident.Day(d.LateAfter, "en")
		}
		filed := "-"
		if !d.Filed.IsZero() {
			filed = incident.When(d.Filed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Code, incident.Day(d.Due, "en"), late, d.Status, filed, daysText(d, s.AsOf))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nTimeline")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tKIND\tBY\tTEXT")
	for _, e := range s.Timeline {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", incident.When(e.OccurredAt), e.Kind, e.RecordedBy, oneLine(e.Text, 120))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nEvidence")
	if len(s.Evidence) == 0 {
		fmt.Fprintln(w, "none")
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSIZE\tSHA-256\tUPLOADED")
	for _, e := range s.Evidence {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s by %s\n", e.ID, oneLine(e.Name, 60), e.Size, e.SHA256, incident.When(e.UploadedAt), e.UploadedBy)
	}
	return tw.Flush()
}

var recordFlags = map[string]string{"kind": "kind", "occurred_at": "at", "text": "text"}

// runIncidentRecord adds an entry to an incident's timeline.
func runIncidentRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var kinds []string
	for _, k := range incident.EventKinds {
		kinds = append(kinds, string(k))
	}
	fs, st := newIncidentFlags("record", "Adds a dated entry to an incident's timeline. Recording a report's kind (ppc_preliminary,\nppc_final, acquirer_report, acquirer_card_list) marks that report filed.\nUsage: kaede incident record ID --kind KIND --at TIME --text TEXT [flags]", stderr)
	var kind, at, text string
	fs.StringVar(&kind, "kind", "", "what happened: "+strings.Join(kinds, ", ")+" (required)")
	fs.StringVar(&at, "at", "", `when it happened: RFC 3339 or "2006-01-02 15:04" in Japan time (required)`)
	fs.StringVar(&text, "text", "", "what happened, in words (required for finding and note)")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	if !incident.EventKind(kind).Manual() {
		return fmt.Errorf("--kind %q: want one of %s", kind, strings.Join(kinds, ", "))
	}
	occurred, err := timeFlag("at", at)
	if err != nil {
		return err
	}
	svc, d, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	e, err := svc.Record(ctx, id, incident.EventKind(kind), occurred, text, audit.Actor{Name: audit.ActorCLI})
	if err != nil {
		return flagError(err, recordFlags)
	}
	fmt.Fprintf(stdout, "recorded %s at %s on incident %d (entry %d)\n", e.Kind, incident.When(e.OccurredAt), id, e.ID)
	return nil
}

// runIncidentSummary writes the printable summary PDF.
func runIncidentSummary(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newIncidentFlags("summary", "Writes the printable summary of an incident (A4 PDF): facts, deadlines with their status,\ntimeline and the evidence with its SHA-256.\nUsage: kaede incident summary ID --out FILE.pdf [flags]", stderr)
	out := fs.String("out", "", `the PDF file to write; "-" for standard output (required)`)
	lang := fs.String("lang", "ja", "ja or en")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required: the PDF file to write")
	}
	if *lang != "ja" && *lang != "en" {
		return fmt.Errorf("--lang %q: want ja or en", *lang)
	}
	svc, d, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	// Made in memory first, so that a failure leaves no half-written file.
	var b bytes.Buffer
	if err := svc.SummaryPDF(ctx, id, *lang, &b); err != nil {
		return err
	}
	if *out == "-" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(stdout, "summary of incident %d written to %s (%d bytes)\n", id, *out, b.Len())
	return nil
}

// writeJSON prints v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
