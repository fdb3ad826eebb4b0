// Command kaede is the whole store in one binary: kaede demo runs it with
// demo data on an embedded database, kaede serve runs it for real, and the
// other subcommands are the operator's tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is Go's collection target when the operator sets no GOGC.
// The store's live heap is small (15-25 MB under bench/memory.sh's
// browsing of 10,000 products, a third of it the parsed templates), and at
// Go's default of 100 the heap grows to twice what is live before each
// collection: 10-15 MB of a small server's memory held for garbage. At 50
// the collector runs about twice as often: 3 % of the CPU instead of 1.4 %
// under that browsing (bench/README.md).
const gcPercent = 50

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kaede:", err)
		}
		os.Exit(2)
	}
}

const usage = `kaede — the Kaede online store

Usage: kaede <command> [flags]

Commands:
  demo       run the store with demo data on the embedded database
             (--scenario breach: a year of orders and a card-data breach to handle; prints the affected window)
  serve      run the store (configuration from flags and KAEDE_* variables)
  migrate    bring the database schema up to date
  member     operator tasks on customer accounts (approve-licence)
  outbox     list e-mails in the outbox, or show one
  staff      staff accounts: add (prints a one-time enrolment link), list
  audit      audit log tasks: verify (checks the hash chain)
  gateway    run the built-in test card gateway alone
  monitor    tamper monitor: check (the payment pages against the baseline, now), approve (a release's pending baseline)
  security   security tools: inventory (every script a page may run), events (--json, --since, --demo)
  switch     emergency switches: card|checkout|maintenance on|off --reason TEXT [--banner TEXT]; status [--json]
  incident   the incident desk: open (prints the ID), list, show, record (a timeline entry), summary (PDF), reopen-check
  billing    monthly invoices: close --month YYYY-MM (one invoice per business customer; --demo)
  version    print the version (--manifest: the SHA-256 of every embedded file)
  backup     write an encrypted backup while the store runs (--out FILE; key in KAEDE_BACKUP_KEY)
  restore    restore a backup into an empty place (--from FILE --data DIR [--database URL])

Run "kaede <command> --help" for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "member":
		return runMember(ctx, rest, stdout, stderr)
	case "outbox":
		return runOutbox(ctx, rest, stdout, stderr)
	case "staff":
		return runStaff(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "gateway":
		return runGateway(ctx, rest, stdout, stderr)
	case "monitor":
		return runMonitor(ctx, rest, stdout, stderr)
	case "security":
		return runSecurity(ctx, rest, stdout, stderr)
	case "switch":
		return runSwitch(ctx, rest, stdout, stderr)
	case "incident":
		return runIncident(ctx, rest, stdout, stderr)
	case "billing":
		return runBilling(ctx, rest, stdout, stderr)
	case "version":
		return runVersion(rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newFlagSet returns a flag set whose --help prints the command's summary.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kaede "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kaede %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}
