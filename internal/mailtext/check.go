package mailtext

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"kaede/internal/shop"
)

// Check parses t over the kind's set, looks up every field it names in the
// kind's data type, even in a branch the sample does not take, and
// executes it with data. It returns the rendered subject and body, or an
// Invalid error naming the field (subject or body) with the line and what
// is wrong.
func Check(k Kind, t Text, data any) (subject, body string, err error) {
	p := shop.Problems{}
	if strings.TrimSpace(t.Subject) == "" {
		p.Add("subject", "件名を入力してください / enter a subject")
	}
	if strings.ContainsAny(strings.TrimSpace(t.Subject), "\r\n") {
		p.Add("subject", "件名は1行です / the subject is one line")
	}
	if strings.TrimSpace(t.Body) == "" {
		p.Add("body", "本文を入力してください / enter a body")
	}
	if err := p.Err(); err != nil {
		return "", "", err
	}
	n := name(t.Kind, t.Locale)
	if own, err := template.New(n).Parse(t.source()); err == nil && len(own.Templates()) > 1 {
		// A text defining templates could replace a helper or itself
		// and recurse without end.
		return "", "", shop.Problems{"body": "{{define}} / {{block}} は使えません / cannot be used"}.Err()
	}
	set, err := overlay(k.Base, n, t.source())
	if err != nil {
		return "", "", located(err.Error(), "構文エラー / syntax error: ")
	}
	if err := checkFields(set.Lookup(n).Tree, reflect.TypeOf(k.Sample)); err != nil {
		return "", "", err
	}
	buf := &capped{max: maxRendered}
	if err := set.ExecuteTemplate(buf, n, data); err != nil {
		return "", "", located(err.Error(), "")
	}
	subject, body, ok := strings.Cut(buf.String(), "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return "", "", shop.Problems{"subject": "件名が空になります / the subject renders empty"}.Err()
	}
	return strings.TrimSpace(subject), strings.TrimSpace(body) + "\n", nil
}

// lineOf finds "NAME:LINE" in a template error.
var lineOf = regexp.MustCompile(`\.txt:(\d+)`)

// located turns a template error into an Invalid error on the field its
// line is in: line 1 of the source is the subject, the body starts on 3.
func located(msg, prefix string) error {
	msg = strings.TrimPrefix(msg, "template: ")
	field, where := "body", ""
	if m := lineOf.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if line <= 1 {
			field, where = "subject", ""
		} else {
			where = fmt.Sprintf("%d行目 / line %d: ", line-2, line-2)
		}
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	return shop.Problems{field: where + prefix + msg}.Err()
}

// checkFields walks tree with the type of dot, and reports the first field
// the type does not have. Where the type is not known (a variable, a
// function's result, an interface) it stops looking: execution with the
// sample still checks what it reaches.
func checkFields(tree *parse.Tree, root reflect.Type) error {
	c := fieldCheck{tree: tree, root: root}
	c.list(tree.Root, root)
	return c.err
}

type fieldCheck struct {
	tree *parse.Tree
	root reflect.Type
	err  error
}

func (c *fieldCheck) list(l *parse.ListNode, dot reflect.Type) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		c.node(n, dot)
	}
}

func (c *fieldCheck) node(n parse.Node, dot reflect.Type) {
	if c.err != nil {
		return
	}
	switch n := n.(type) {
	case *parse.ActionNode:
		c.pipe(n.Pipe, dot)
	case *parse.TemplateNode:
		if !strings.HasPrefix(n.Name, "_") {
			// Only the package's helpers (_signature): an e-mail that
			// includes an e-mail, itself even, could recurse.
			loc, _ := c.tree.ErrorContext(n)
			c.err = located("template: "+loc+": "+n.Name, "使えないテンプレート / not a helper: ")
			return
		}
		c.pipe(n.Pipe, dot)
	case *parse.IfNode:
		c.pipe(n.Pipe, dot)
		c.list(n.List, dot)
		c.list(n.ElseList, dot)
	case *parse.WithNode:
		t := c.pipe(n.Pipe, dot)
		c.list(n.List, t)
		c.list(n.ElseList, dot)
	case *parse.RangeNode:
		if !bounded(n.Pipe) {
			loc, _ := c.tree.ErrorContext(n)
			c.err = located("template: "+loc+": {{range}}", "データの一覧だけを繰り返せます / only a list of the data may be ranged over: ")
			return
		}
		t := c.pipe(n.Pipe, dot)
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			elem = t.Elem()
		}
		if len(n.Pipe.Decl) > 0 {
			elem = dot // a declared variable takes the element; dot stays
		}
		c.list(n.List, elem)
		c.list(n.ElseList, dot)
	}
}

// bounded reports whether p is a lone field or variable, so that a range
// over it repeats once per element of the data: a number or a function
// could repeat without end.
func bounded(p *parse.PipeNode) bool {
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode, *parse.VariableNode, *parse.DotNode, *parse.ChainNode:
		return true
	}
	return false
}

// maxRendered bounds what a text may render to: an e-mail is a page or
// two, and a text that writes more is a mistake.
const maxRendered = 100_000

// capped is a buffer that refuses to grow past max.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if c.Len()+len(p) > c.max {
		return 0, errors.New("文面が長すぎます / the text renders too long")
	}
	return c.Buffer.Write(p)
}

// pipe checks the fields in p and returns the type of its result when it
// is a lone field, else nil.
func (c *fieldCheck) pipe(p *parse.PipeNode, dot reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var last reflect.Type
	for _, cmd := range p.Cmds {
		last = nil
		for _, a := range cmd.Args {
			switch a := a.(type) {
			case *parse.FieldNode:
				last = c.field(a, dot, a.Ident)
			case *parse.VariableNode:
				if len(a.Ident) > 1 && a.Ident[0] == "$" {
					last = c.field(a, c.root, a.Ident[1:])
				}
			case *parse.PipeNode:
				c.pipe(a, dot)
			}
		}
		if len(cmd.Args) != 1 {
			last = nil
		}
	}
	if len(p.Cmds) != 1 {
		return nil
	}
	return last
}

// field follows path from t and returns the type reached, or nil when it
// cannot be known.
func (c *fieldCheck) field(n parse.Node, t reflect.Type, path []string) reflect.Type {
	for _, f := range path {
		if t == nil || c.err != nil {
			return nil
		}
		if _, ok := t.MethodByName(f); ok {
			return nil
		}
		if _, ok := reflect.PointerTo(t).MethodByName(f); ok {
			return nil
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			sf, ok := t.FieldByName(f)
			if !ok || !sf.IsExported() {
				loc, _ := c.tree.ErrorContext(n)
				c.err = unknown(loc, f)
				return nil
			}
			t = sf.Type
		case reflect.Map:
			t = t.Elem()
		default:
			return nil
		}
	}
	return t
}

// unknown is the error of a field the data does not have, at loc
// ("NAME:LINE:COL").
func unknown(loc, field string) error {
	return located("template: "+loc+": ."+field, "使えない変数 / unknown variable ")
}

// Vars lists the variables a kind's text may use: the fields of its data,
// with the fields of a list's elements under it ("Lines[].Name").
func Vars(k Kind) []string {
	var out []string
	var walk func(t reflect.Type, prefix string, depth int)
	walk = func(t reflect.Type, prefix string, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || depth > 2 {
			return
		}
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() || f.Anonymous {
				continue
			}
			out = append(out, prefix+f.Name)
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				walk(ft.Elem(), prefix+f.Name+"[].", depth+1)
			}
		}
	}
	walk(reflect.TypeOf(k.Sample), ".", 0)
	return out
}
