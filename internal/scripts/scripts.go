// Package scripts is the inventory of every script a page of Kaede may
// run (PCI DSS 6.4.3): for each, its file, its Subresource Integrity value
// (SHA-384), why it is there, who answers for it and the pages it runs on.
//
// The inventory is not written by hand: each edge (the store, the admin,
// the test gateway) builds it at start from its embedded files and its
// parsed templates, and checks it against a small declarative table kept
// next to the files (Entry). A script file that the table does not name,
// a table entry with no file, a page that loads a script its entry does
// not list, a script on a payment page, or a script whose source is not
// an embedded file each stop the server at start, so an unlisted script
// can never be shipped. The edges derive each page's Content-Security-
// Policy from the same inventory: script-src names exactly what the page
// may run, and 'none' where it runs nothing.
package scripts

import (
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"html/template"
	"path"
	"slices"
	"sort"
	"strings"
	"text/template/parse"
)

// Entry is one line of an edge's declarative table: a script the edge's
// pages are allowed to run, with the reason and the owner an assessor
// asks for.
type Entry struct {
	// File is the static file's name ("passkey.js"). Empty for an inline
	// script, which is named by Hash instead.
	File string
	// Hash is an inline script's SRI value ("sha384-…"); empty for a file.
	Hash    string
	Purpose string
	Owner   string
	// Pages are the page templates that load the script, exactly.
	Pages []string
}

// Script is one script of the inventory.
type Script struct {
	Edge      string   `json:"edge"`           // "store", "admin" or "gateway"
	File      string   `json:"file,omitempty"` // the static file; empty when inline
	URL       string   `json:"url,omitempty"`  // where it is served
	Integrity string   `json:"integrity"`      // the SRI value, "sha384-…"
	Inline    bool     `json:"inline"`
	Purpose   string   `json:"purpose"`
	Owner     string   `json:"owner"`
	Pages     []string `json:"pages"`
}

// File is a static file of an edge as served: the inputs Build needs.
type File struct {
	Name      string // "passkey.js"
	URL       string // "/admin/static/passkey.3f9a1c2be07d.js"
	Integrity string // "sha384-…"
}

// Uses is what one page's templates load: script files by name and the
// SRI values of inline scripts.
type Uses struct {
	Files  []string
	Inline []string
}

// Integrity is the SRI value of b: "sha384-" and the base64 digest.
func Integrity(b []byte) string {
	sum := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Scan lists the scripts the page whose root template is root loads,
// following every {{template}} call into partials. A script file is
// recognised by the template function asset naming a ".js" file
// ({{asset "passkey.js"}}); an inline script by a <script> tag without
// src, whose body must then be plain text so its hash is fixed. A
// <script src=…> whose address is written in the template, not taken from
// the embedded files, is an error: nothing could vouch for its content.
func Scan(t *template.Template, root string) (Uses, error) {
	var u Uses
	seen := map[string]bool{}
	var walk func(name string) error
	walk = func(name string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		tt := t.Lookup(name)
		if tt == nil || tt.Tree == nil {
			return nil // an optional block the page does not define
		}
		return walkNode(tt.Tree.Root, &u, walk)
	}
	if err := walk(root); err != nil {
		return Uses{}, err
	}
	slices.Sort(u.Files)
	u.Files = slices.Compact(u.Files)
	slices.Sort(u.Inline)
	u.Inline = slices.Compact(u.Inline)
	return u, nil
}

func walkNode(n parse.Node, u *Uses, call func(string) error) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := walkNode(c, u, call); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		return scanText(string(n.Text), u)
	case *parse.ActionNode:
		if f := assetScript(n.Pipe); f != "" {
			u.Files = append(u.Files, f)
		}
	case *parse.IfNode:
		return walkBranch(&n.BranchNode, u, call)
	case *parse.RangeNode:
		return walkBranch(&n.BranchNode, u, call)
	case *parse.WithNode:
		return walkBranch(&n.BranchNode, u, call)
	case *parse.TemplateNode:
		return call(n.Name)
	}
	return nil
}

func walkBranch(b *parse.BranchNode, u *Uses, call func(string) error) error {
	if err := walkNode(b.List, u, call); err != nil {
		return err
	}
	return walkNode(b.ElseList, u, call)
}

// assetScript returns the file named by {{asset "x.js"}}, or "".
func assetScript(p *parse.PipeNode) string {
	if p == nil || len(p.Cmds) == 0 || len(p.Cmds[0].Args) != 2 {
		return ""
	}
	id, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode)
	if !ok || id.Ident != "asset" {
		return ""
	}
	s, ok := p.Cmds[0].Args[1].(*parse.StringNode)
	if !ok || path.Ext(s.Text) != ".js" {
		return ""
	}
	return s.Text
}

// scanText finds the <script> tags in a run of template text.
func scanText(text string, u *Uses) error {
	lower := strings.ToLower(text)
	for {
		i := strings.Index(lower, "<script")
		if i < 0 {
			return nil
		}
		end := strings.IndexByte(lower[i:], '>')
		if end < 0 {
			// The tag continues into a template action: it must be a
			// src="{{asset …}}", which the action node reports.
			if !strings.Contains(lower[i:], "src=") {
				return fmt.Errorf("a <script> tag built by template actions: %.60q", text[i:])
			}
			if rest := strings.TrimSpace(lower[i+strings.Index(lower[i:], "src=")+4:]); rest != `"` && rest != `'` && rest != "" {
				return fmt.Errorf("a <script> whose address is written in the template, not an embedded file: %.80q", text[i:])
			}
			return nil
		}
		tag := lower[i : i+end+1]
		if strings.Contains(tag, "src=") {
			return fmt.Errorf("a <script> whose address is written in the template, not an embedded file: %.80q", text[i:i+end+1])
		}
		bodyStart := i + end + 1
		close := strings.Index(lower[bodyStart:], "</script")
		if close < 0 {
			return fmt.Errorf("an inline <script> built by template actions cannot be hashed: %.60q", text[i:])
		}
		u.Inline = append(u.Inline, Integrity([]byte(text[bodyStart:bodyStart+close])))
		text, lower = text[bodyStart+close:], lower[bodyStart+close:]
	}
}

// Build checks an edge's table against its static files and the scripts
// its pages load, and returns the edge's part of the inventory, sorted.
// Every ".js" file must have an entry and every entry its file or inline
// script; each entry's Pages must be exactly the pages that load it; no
// payment page may load any script.
func Build(edge string, files []File, pages map[string]Uses, payment []string, table []Entry) ([]Script, error) {
	loadedBy := map[string][]string{} // file name or inline hash → pages
	for page, u := range pages {
		for _, f := range u.Files {
			loadedBy[f] = append(loadedBy[f], page)
		}
		for _, h := range u.Inline {
			loadedBy[h] = append(loadedBy[h], page)
		}
		if len(u.Files)+len(u.Inline) > 0 && slices.Contains(payment, page) {
			return nil, fmt.Errorf("%s: payment page %q loads a script; payment pages run none", edge, page)
		}
	}
	byName := map[string]File{}
	for _, f := range files {
		byName[f.Name] = f
	}
	var out []Script
	listed := map[string]bool{}
	for _, e := range table {
		s := Script{Edge: edge, File: e.File, Purpose: e.Purpose, Owner: e.Owner, Pages: slices.Sorted(slices.Values(e.Pages))}
		key := e.File
		if e.File == "" {
			key, s.Inline, s.Integrity = e.Hash, true, e.Hash
		} else {
			f, ok := byName[e.File]
			if !ok {
				return nil, fmt.Errorf("%s: the script table lists %s, which is not among the embedded files", edge, e.File)
			}
			s.URL, s.Integrity = f.URL, f.Integrity
		}
		if e.Purpose == "" || e.Owner == "" {
			return nil, fmt.Errorf("%s: script %s has no purpose or owner in the table", edge, key)
		}
		listed[key] = true
		got := slices.Sorted(slices.Values(loadedBy[key]))
		if !slices.Equal(got, s.Pages) {
			return nil, fmt.Errorf("%s: script %s is loaded by pages %v but the table lists %v", edge, key, got, s.Pages)
		}
		out = append(out, s)
	}
	for _, f := range files {
		if path.Ext(f.Name) == ".js" && !listed[f.Name] {
			return nil, fmt.Errorf("%s: script %s is embedded but not in the script table (purpose, owner, pages)", edge, f.Name)
		}
	}
	for key, ps := range loadedBy {
		if !listed[key] {
			return nil, fmt.Errorf("%s: pages %v load %s, which is not in the script table", edge, ps, key)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File+out[i].Integrity < out[j].File+out[j].Integrity })
	return out, nil
}

// ForPage returns the SRI values of the scripts of inv that page may run:
// what its script-src lists besides the response's nonce.
func ForPage(inv []Script, page string) []string {
	var out []string
	for _, s := range inv {
		if slices.Contains(s.Pages, page) {
			out = append(out, s.Integrity)
		}
	}
	return out
}
