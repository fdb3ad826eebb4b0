package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDeployDocumentsMatchTheBinary reads the files under deploy/ and
// checks every kaede command line in them against the command's real flags
// (its --help), and every KAEDE_* variable against the ones this package
// reads (a *_FILE variable only when a secret is really read from it), so
// that the documents cannot drift from the code.
func TestDeployDocumentsMatchTheBinary(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "deploy", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("deploy/: %v %v", files, err)
	}
	known := knownEnv(t)
	flags := map[string]map[string]bool{}
	var sawFlags, sawEnv int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "\\\n", " ")
		for _, name := range regexp.MustCompile(`KAEDE_[A-Z0-9_]+`).FindAllString(text, -1) {
			sawEnv++
			if !known[name] && !(strings.HasSuffix(name, "_FILE") && readsSecretFile(t, name)) {
				t.Errorf("%s: %s is not a variable kaede reads", filepath.Base(f), name)
			}
		}
		for _, line := range strings.Split(text, "\n") {
			for cmd, used := range commandLines(line) {
				if flags[cmd] == nil {
					flags[cmd] = commandFlags(t, cmd)
				}
				for _, fl := range used {
					sawFlags++
					if !flags[cmd][fl] {
						t.Errorf("%s: kaede %s has no flag --%s", filepath.Base(f), cmd, fl)
					}
				}
			}
		}
	}
	// The parsing itself must find what is certainly there.
	if sawFlags < 3 || sawEnv < 10 || flags["serve"] == nil || flags["backup"] == nil {
		t.Fatalf("found %d flags and %d variables, commands %v: the documents' parsing is broken", sawFlags, sawEnv, flags)
	}
}

// commandLines finds "kaede CMD --flag …" on a line (a path ending in
// /kaede counts; JSON arrays and key=value are split) and returns the
// flags of each command.
func commandLines(line string) map[string][]string {
	out := map[string][]string{}
	fields := strings.Fields(strings.NewReplacer(`"`, " ", ",", " ", "[", " ", "]", " ").Replace(line))
	for i := 0; i+1 < len(fields); i++ {
		if path.Base(fields[i]) != "kaede" || !isCommand(fields[i+1]) {
			continue
		}
		cmd := fields[i+1]
		out[cmd] = append(out[cmd], []string{}...)
		for _, f := range fields[i+2:] {
			if f == "&&" || f == "|" || f == ";" || f == "||" {
				break
			}
			if name, ok := strings.CutPrefix(f, "--"); ok && name != "" {
				name, _, _ = strings.Cut(name, "=")
				out[cmd] = append(out[cmd], name)
			}
		}
	}
	return out
}

// isCommand reports whether word is one of the commands the usage lists.
func isCommand(word string) bool {
	for _, line := range strings.Split(usage, "\n") {
		if f := strings.Fields(line); len(line) > 2 && line[:2] == "  " && line[2] != ' ' && len(f) > 0 && f[0] == word {
			return true
		}
	}
	return false
}

// commandFlags is the set of flags "kaede CMD --help" lists.
func commandFlags(t *testing.T, cmd string) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	run(t.Context(), []string{cmd, "--help"}, &out, &out)
	set := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z0-9-]+)`).FindAllStringSubmatch(out.String(), -1) {
		set[m[1]] = true
	}
	if len(set) == 0 {
		t.Fatalf("kaede %s --help lists no flags:\n%s", cmd, out.String())
	}
	return set
}

// knownEnv is every KAEDE_* name that appears whole as a string literal in
// this package's code (not its tests).
func knownEnv(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	re := regexp.MustCompile(`^KAEDE_[A-Z0-9_]+$`)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && re.MatchString(s) {
					names[s] = true
				}
			}
			return true
		})
	}
	return names
}

// readsSecretFile reports whether kaede reads a secret from the file the
// variable name names: with it pointing nowhere, loading the secrets fails
// and says so.
func readsSecretFile(t *testing.T, name string) bool {
	t.Helper()
	old, had := os.LookupEnv(name)
	os.Setenv(name, filepath.Join(t.TempDir(), "absent"))
	defer func() {
		if had {
			os.Setenv(name, old)
		} else {
			os.Unsetenv(name)
		}
	}()
	cfg := Config{Backup: BackupConfig{Dir: "backups"}}
	for _, err := range []error{cfg.loadSecrets(), func() error { _, err := staffKey("", false); return err }()} {
		if err != nil && strings.Contains(err.Error(), name) {
			return true
		}
	}
	return false
}
