package pdfdoc

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// noLineStart holds the characters that Japanese line breaking (行頭禁則)
// keeps off the start of a line: closing brackets, punctuation, small kana,
// the prolonged sound mark and iteration marks. Latin closing punctuation is
// included for mixed text.
const noLineStart = "、。，．・：；？！゛゜ヽヾゝゞ々〻ー―‐゠–〜～…‥）］｝」』】〕〉》〙〗〟’”｠»" +
	"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ" +
	"!),.:;?]}"

// noLineEnd holds the opening brackets that 行末禁則 keeps off the end of a
// line.
const noLineEnd = "（［｛「『【〔〈《〘〖〝‘“｟«([{"

// Wrap breaks text into lines no wider than width, as measured by measure
// (which must be additive: the width of a+b is the width of a plus that of
// b, as it is for the PDF fonts used here). A newline always starts a new
// line. A line may break between two Japanese characters, between Japanese
// and Latin text and at spaces, but never inside a Latin word or number
// unless the word alone is wider than the line. No line starts with a
// closing bracket or punctuation such as 、。）」 and none ends with an
// opening bracket: such a character moves with its neighbour to the next
// line (追い出し). Spaces at a break are dropped.
func Wrap(text string, width float64, measure func(string) float64) []string {
	var lines []string
	for _, hard := range strings.Split(text, "\n") {
		lines = append(lines, wrapLine(hard, width, measure)...)
	}
	return lines
}

// segment is a run of text that is never broken, or a run of spaces.
type segment struct {
	text  string
	space bool
}

func wrapLine(text string, width float64, measure func(string) float64) []string {
	if text == "" {
		return []string{""}
	}
	var (
		lines   []string
		line    strings.Builder
		lineW   float64
		spaces  string // spaces seen since the last segment on this line
		started bool   // the line holds text (leading spaces of the first line count)
	)
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		lineW, spaces, started = 0, "", false
	}
	const epsilon = 1e-9
	for i, seg := range segments(text) {
		if seg.space {
			if i == 0 {
				// Leading spaces of a paragraph are the writer's; keep them.
				line.WriteString(seg.text)
				lineW += measure(seg.text)
				started = true
				continue
			}
			spaces += seg.text
			continue
		}
		w := measure(seg.text)
		sw := 0.0
		if started {
			sw = measure(spaces)
		}
		if lineW+sw+w <= width+epsilon {
			if started {
				line.WriteString(spaces)
			}
			line.WriteString(seg.text)
			lineW += sw + w
			spaces, started = "", true
			continue
		}
		if started && line.Len() > 0 {
			flush()
		}
		if w <= width+epsilon {
			line.WriteString(seg.text)
			lineW, started = w, true
			continue
		}
		// A word wider than the whole line (a long URL or number): break it
		// between characters, as nothing else would fit it.
		for _, r := range seg.text {
			rw := measure(string(r))
			if lineW+rw > width+epsilon && line.Len() > 0 {
				flush()
			}
			line.WriteRune(r)
			lineW += rw
			started = true
		}
	}
	if line.Len() > 0 || len(lines) == 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// segments splits one line of text into unbreakable segments and runs of
// spaces. Each Japanese (wide) character is a segment of its own, a run of
// other characters is one word; then the 禁則 rules glue a closing
// character to the segment before it and an opening one to the segment after.
func segments(text string) []segment {
	var segs []segment
	glueNext := false // the last segment ends with an opening bracket
	add := func(tok string, isSpace bool) {
		if isSpace {
			segs = append(segs, segment{text: tok, space: true})
			glueNext = false
			return
		}
		first, _ := utf8.DecodeRuneInString(tok)
		last, _ := utf8.DecodeLastRuneInString(tok)
		if n := len(segs); n > 0 && !segs[n-1].space && (glueNext || strings.ContainsRune(noLineStart, first)) {
			segs[n-1].text += tok
		} else {
			segs = append(segs, segment{text: tok})
		}
		glueNext = strings.ContainsRune(noLineEnd, last)
	}
	start := -1 // start of the current Latin word, or -1
	for i, r := range text {
		switch {
		case r == ' ' || r == '\t':
			if start >= 0 {
				add(text[start:i], false)
				start = -1
			}
			add(string(r), true)
		case isWide(r):
			if start >= 0 {
				add(text[start:i], false)
				start = -1
			}
			add(string(r), false)
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		add(text[start:], false)
	}
	// Merge adjacent space runs so that a break drops all of them.
	merged := segs[:0]
	for _, s := range segs {
		if n := len(merged); n > 0 && s.space && merged[n-1].space {
			merged[n-1].text += s.text
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// isWide reports whether r is set as a Japanese character, between which
// lines may break: wide and full-width characters, half-width katakana, and
// the ambiguous-width symbols such as … and ※ that Japanese text sets wide
// (Latin-1 letters, also "ambiguous", stay part of their words).
func isWide(r rune) bool {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth, width.EastAsianHalfwidth:
		return true
	case width.EastAsianAmbiguous:
		return r >= 0x2000
	}
	return false
}
