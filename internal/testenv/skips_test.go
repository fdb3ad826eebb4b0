package testenv_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoStraySkips keeps CI honest without reading `go test -v` output:
// the only ways a test may skip are testenv.Missing (which fails instead
// when KAEDE_REQUIRE_EXTERNAL is set) and `go test -short`, which CI does
// not use. Any other Skip call in a test file fails here, a fuzz target's
// too (an input it does not cover returns), so a skipped test can never
// pass CI as "ok".
func TestNoStraySkips(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var stray []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "node_modules":
				return filepath.SkipDir
			}
			if filepath.Base(filepath.Dir(path)) == "internal" && d.Name() == "testenv" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		stray = append(stray, straySkips(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stray {
		t.Errorf("%s: a test skips outside testenv.Missing or -short", s)
	}
}

// straySkips lists the Skip calls of f that are not inside an
// `if testing.Short()` block.
func straySkips(fset *token.FileSet, f *ast.File) []string {
	var out []string
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		switch sel.Sel.Name {
		case "Skip", "Skipf", "SkipNow":
		default:
			return true
		}
		if !allowedSkip(stack) {
			out = append(out, fset.Position(call.Pos()).String())
		}
		return true
	})
	return out
}

func allowedSkip(stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.IfStmt:
			if isShortCall(n.Cond) {
				return true
			}
		}
	}
	return false
}

func isShortCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Short" {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "testing"
}
