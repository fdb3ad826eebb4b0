package archtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rule forbids the packages matching from (except those in except) to
// import any package matching forbid. A pattern ending in "/..." matches
// the path and everything below it.
type rule struct {
	why    string
	from   []string
	except []string
	forbid []string
}

// web and admin are the two HTTP edges, and edge the toolkit both build
// their middleware from; capabilities are everything else under internal/.
const (
	web   = "kaede/internal/web"
	admin = "kaede/internal/admin"
	edge  = "kaede/internal/edge"
)

// rules are the layering of docs/design.md ("Import rules"); keep the two
// lists in step.
var rules = []rule{
	{
		why:    "the domain vocabulary is at the centre: no HTTP, no SQL, no other Kaede package",
		from:   []string{"kaede/internal/shop"},
		forbid: []string{"net/http", "database/sql", "kaede/..."},
	},
	{
		why:    "capabilities never import an HTTP edge",
		from:   []string{"kaede/internal/..."},
		except: []string{web, admin},
		forbid: []string{web, admin},
	},
	{
		why: "capabilities return *shop.Error and never speak HTTP; only the edges, their toolkit, " +
			"the payment providers (clients of their APIs), the tamper monitor (a client of the store), " +
			"the metrics endpoint's instrumentation and the alerts (a client of the webhook receiver) do",
		from: []string{"kaede/internal/..."},
		except: []string{web, admin, edge, "kaede/internal/payment/gateway", "kaede/internal/payment/stripe",
			"kaede/internal/monitor", "kaede/internal/metrics", "kaede/internal/alert"},
		forbid: []string{"net/http"},
	},
	{
		why:    "the edges reach the database only through the capabilities; cmd/kaede wires them",
		from:   []string{web, admin, edge},
		forbid: []string{"kaede/internal/db/...", "database/sql"},
	},
	{
		why:    "the store never imports the admin: they share no session, CSRF key or CSP",
		from:   []string{web},
		forbid: []string{admin},
	},
	{
		why:    "the admin never imports the store: what both need is in internal/edge and internal/ui",
		from:   []string{admin},
		forbid: []string{web},
	},
}

// match reports whether path matches the pattern.
func match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, path) })
}

// violations lists "pkg imports dep (why)" for every import that breaks a
// rule; graph maps each package to its direct imports.
func violations(graph map[string][]string, rules []rule) []string {
	var out []string
	for _, r := range rules {
		for pkg, imports := range graph {
			if !matchAny(r.from, pkg) || matchAny(r.except, pkg) {
				continue
			}
			for _, dep := range imports {
				if matchAny(r.forbid, dep) {
					out = append(out, pkg+" imports "+dep+" ("+r.why+")")
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// importGraph runs go list over the module and returns each package's
// direct imports, tests' imports left out: black-box tests may set up a
// database.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "kaede/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	seeSources(t)
	graph := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("read go list output: %v", err)
		}
		graph[p.ImportPath] = p.Imports
	}
	return graph
}

// seeSources reads every directory and stats every Go file of the module.
// go test caches a passing result by the files the test itself opened, and
// go list runs in another process: without this, a forbidden import added
// after the first run would be answered from the cache.
func seeSources(t *testing.T) {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("read the module's sources: %v", err)
	}
}

func TestImportRules(t *testing.T) {
	graph := importGraph(t)
	// A rule about a package that no longer exists (renamed, moved) would
	// pass for ever: every package a rule names must be in the graph.
	for _, r := range rules {
		for _, p := range append(append([]string{}, r.from...), r.except...) {
			found := false
			for pkg := range graph {
				found = found || match(p, pkg)
			}
			if !found {
				t.Errorf("rule %q names %s, which matches no package", r.why, p)
			}
		}
	}
	for _, v := range violations(graph, rules) {
		t.Error(v)
	}
}

// TestViolationsFindsForbiddenImports checks the checker on a made-up
// graph, so that TestImportRules cannot pass by finding nothing.
func TestViolationsFindsForbiddenImports(t *testing.T) {
	graph := map[string][]string{
		"kaede/internal/shop":            {"errors", "net/http"},
		"kaede/internal/order":           {"kaede/internal/db", "kaede/internal/web"},
		"kaede/internal/payment/stripe":  {"net/http"},
		"kaede/internal/cardpay":         {"net/http"},
		web:                              {"kaede/internal/db/dbtest", "kaede/internal/order", "net/http"},
		admin:                            {"database/sql", "net/http", web},
		edge:                             {"net/http", "kaede/internal/db"},
		"kaede/internal/catalogcsv/spec": {"kaede/internal/admin"},
	}
	got := violations(graph, rules)
	want := []string{
		"kaede/internal/admin imports database/sql",
		"kaede/internal/admin imports kaede/internal/web",
		"kaede/internal/cardpay imports net/http",
		"kaede/internal/catalogcsv/spec imports kaede/internal/admin",
		"kaede/internal/edge imports kaede/internal/db",
		"kaede/internal/order imports kaede/internal/web",
		"kaede/internal/shop imports net/http", // a capability, and the centre
		"kaede/internal/shop imports net/http",
		"kaede/internal/web imports kaede/internal/db/dbtest",
	}
	if len(got) != len(want) {
		t.Fatalf("violations:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]+" (") {
			t.Errorf("violation %d = %q, want %q (…)", i, got[i], want[i])
		}
	}
}
