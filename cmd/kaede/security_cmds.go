package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"kaede/internal/admin"
	"kaede/internal/release"
)

// runSecurity dispatches the security subcommands.
func runSecurity(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: kaede security inventory [--json]\n       "+securityEventsUsage)
		return errors.New("security: no subcommand given")
	}
	switch args[0] {
	case "inventory":
		return runInventory(args[1:], stdout, stderr)
	case "events":
		return runSecurityEvents(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("security: unknown subcommand %q", args[0])
	}
}

// runInventory prints the script inventory (PCI DSS 6.4.3) of this
// binary. It needs no database: the inventory is built from the embedded
// files, as the server builds it at start.
func runInventory(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("security inventory", "Prints every script a page of the store, the admin or the test gateway may run: file, SHA-384 (SRI), purpose, owner and pages.", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	inv, err := admin.Inventory()
	if err != nil {
		return fmt.Errorf("script inventory: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(inv)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EDGE\tFILE\tSHA-384 (SRI)\tPAGES\tOWNER\tPURPOSE")
	for _, s := range inv {
		file := s.File
		if s.Inline {
			file = "(inline)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Edge, file, s.Integrity, strings.Join(s.Pages, ","), s.Owner, s.Purpose)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Payment pages run no script (store: cart, checkout, confirm, complete, order; every gateway page).")
	return nil
}

// runVersion prints the version and, with --manifest, the SHA-256 of
// every embedded file and the manifest's digest.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "Prints the version; with --manifest, the SHA-256 of every embedded file (templates, scripts, stylesheets, migrations, fonts) and one digest over them.", stderr)
	manifest := fs.Bool("manifest", false, "print the release manifest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "kaede", version)
	if !*manifest {
		return nil
	}
	m, err := release.Running()
	if err != nil {
		return err
	}
	for _, f := range m.Files {
		fmt.Fprintf(stdout, "%s  %s\n", f.SHA256, f.Path)
	}
	fmt.Fprintf(stdout, "%s  (manifest digest, %d files)\n", m.Digest, len(m.Files))
	return nil
}
