package shop

// Card numbers must never be stored, sent or logged, but customers type
// them where they should not: into a contact form or a note after a
// breach notice ("my card 4111 1111 1111 1111 was used"). Free text that
// Kaede keeps goes through MaskCardNumbers first.

// LuhnValid reports whether digits, ASCII digits only, end with a correct
// Luhn check digit, as every card number does.
func LuhnValid(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Card number lengths: ISO/IEC 7812 numbers in use have 13 to 19 digits.
// Twelve digits and fewer are order numbers (K20261125-0007 has 12),
// phone numbers and dates, which must stay readable.
const (
	minCardDigits = 13
	maxCardDigits = 19
	// A run of digits typed without a break is a card number with up to
	// four digits glued to it (the security code, or MMYY) when it is at
	// most this long; longer runs are some other identifier.
	maxGluedDigits = maxCardDigits + 4
)

// MaskCardNumbers returns s with the digits of every card number in it
// replaced by '*' but for the last four ("**** **** **** 1111"), and how
// many it masked. A card number is a Luhn-valid 13–19 digits (ASCII or
// full-width), written either without a break — possibly followed, with no
// break, by a few more digits such as the security code — or in groups
// separated by one space or hyphen, the first of four digits and the
// others of three to six (4-4-4-4, 4-6-5, 4-4-4-4-3). Everything else,
// separators included, is kept as it is, so the text keeps its length in
// characters and its shape.
func MaskCardNumbers(s string) (string, int) {
	rs := []rune(s)
	masked := 0
	for i := 0; i < len(rs); {
		if digitOf(rs[i]) < 0 || (i > 0 && digitOf(rs[i-1]) >= 0) {
			i++
			continue
		}
		groups, end := digitGroups(rs, i)
		if n := maskGroups(rs, groups); n > 0 {
			masked += n
		}
		i = end
	}
	if masked == 0 {
		return s, 0
	}
	return string(rs), masked
}

// group is a run of digits in the text: rs[from:to].
type group struct{ from, to int }

func (g group) len() int { return g.to - g.from }

// digitGroups reads the groups of digits starting at rs[i], separated by
// single separators, and returns them with the index after the last one.
func digitGroups(rs []rune, i int) ([]group, int) {
	var groups []group
	for {
		g := group{from: i}
		for i < len(rs) && digitOf(rs[i]) >= 0 {
			i++
		}
		g.to = i
		groups = append(groups, g)
		if i+1 < len(rs) && isCardSeparator(rs[i]) && digitOf(rs[i+1]) >= 0 {
			i++
			continue
		}
		return groups, i
	}
}

// maskGroups masks the card numbers among consecutive groups, the
// longest first from each starting group, and returns how many it
// masked.
func maskGroups(rs []rune, groups []group) int {
	masked := 0
	for start := 0; start < len(groups); {
		end := cardAt(rs, groups, start)
		if end == 0 {
			start++
			continue
		}
		digits := 0
		for _, g := range groups[start:end] {
			digits += g.len()
		}
		if end-start == 1 {
			digits = gluedCardLength(rs, groups[start])
		}
		maskDigits(rs, groups[start].from, digits)
		masked++
		start = end
	}
	return masked
}

// cardAt returns the end (exclusive) of the longest run of groups from
// start that is a card number, or 0.
func cardAt(rs []rune, groups []group, start int) int {
	total := 0
	end := start
	for end < len(groups) && total+groups[end].len() <= maxCardDigits {
		total += groups[end].len()
		end++
	}
	for ; end > start+1; end-- {
		if groupedCard(rs, groups[start:end]) {
			return end
		}
	}
	if gluedCardLength(rs, groups[start]) > 0 {
		return start + 1
	}
	return 0
}

// groupedCard reports whether the groups, two or more, are a card number
// written in groups.
func groupedCard(rs []rune, gs []group) bool {
	total := 0
	for i, g := range gs {
		switch {
		case i == 0 && g.len() != 4:
			return false
		case i > 0 && (g.len() < 3 || g.len() > 6):
			return false
		}
		total += g.len()
	}
	if total < minCardDigits || total > maxCardDigits {
		return false
	}
	return LuhnValid(digitsOf(rs, gs))
}

// gluedCardLength is the length of the card number a group of digits
// typed without a break starts with, the longest first, or 0.
func gluedCardLength(rs []rune, g group) int {
	if g.len() < minCardDigits || g.len() > maxGluedDigits {
		return 0
	}
	d := digitsOf(rs, []group{g})
	for n := min(len(d), maxCardDigits); n >= minCardDigits; n-- {
		if LuhnValid(d[:n]) {
			return n
		}
	}
	return 0
}

// digitsOf returns the ASCII digits of the groups.
func digitsOf(rs []rune, gs []group) string {
	b := make([]byte, 0, maxGluedDigits)
	for _, g := range gs {
		for _, r := range rs[g.from:g.to] {
			b = append(b, byte('0'+digitOf(r)))
		}
	}
	return string(b)
}

// maskDigits replaces all but the last four of the n digits from rs[from]
// on with '*', leaving the separators between them.
func maskDigits(rs []rune, from, n int) {
	seen := 0
	for i := from; i < len(rs) && seen < n; i++ {
		if digitOf(rs[i]) < 0 {
			continue
		}
		if seen < n-4 {
			rs[i] = '*'
		}
		seen++
	}
}

// digitOf returns the value of an ASCII or full-width digit, or -1.
func digitOf(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '０' && r <= '９':
		return int(r - '０')
	}
	return -1
}

// isCardSeparator reports whether r separates the groups of a card number
// as people type them: a space (half- or full-width) or a hyphen-like
// character.
func isCardSeparator(r rune) bool {
	switch r {
	case ' ', '　', '-', '‐', '‑', '‒', '–', '—', '―', '−', 'ー':
		return true
	}
	return false
}
