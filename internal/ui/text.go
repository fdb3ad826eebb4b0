package ui

import "strings"

// Block is one paragraph or heading of a plain-text page body.
type Block struct {
	Heading bool
	Text    string
}

// Blocks splits plain text (privacy policy, terms, the shop's notes) into
// paragraphs at blank lines; a line starting with "# " at the top of a
// paragraph is a heading. The text stays text: templates escape it, and no markup in
// it ever reaches the page as HTML.
func Blocks(body string) []Block {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []Block
	for _, para := range strings.Split(body, "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(para, "# "); ok {
			heading, text, _ := strings.Cut(rest, "\n")
			out = append(out, Block{Heading: true, Text: strings.TrimSpace(heading)})
			if para = strings.Trim(text, "\n"); strings.TrimSpace(para) == "" {
				continue
			}
		}
		out = append(out, Block{Text: para})
	}
	return out
}
