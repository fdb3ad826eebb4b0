// Package postcode finds the address a Japanese postal code stands for
// (都道府県・市区町村・町域), from Japan Post's list embedded in the binary,
// so that address forms can fill themselves without a third-party service
// and without JavaScript. The table is generated (update.sh); see gen.
package postcode

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"kaede/internal/shop"
)

//go:embed postcodes.tsv.gz
var packed []byte

// Place is one address a postal code stands for. A code can stand for
// several towns (or, rarely, several cities); Town is empty when the code
// covers a whole city ("以下に掲載がない場合" in Japan Post's list).
type Place struct {
	PostalCode string // "123-4567"
	Prefecture int    // JIS code, 1–47
	City       string // 市区町村 (with the 郡 or 政令市's 区)
	Town       string // 町域
}

// table is the unpacked list: the text, and the offsets of its zip5 and
// zip7 lines in key order, so that a lookup is two binary searches and the
// list costs its text plus four bytes a line, not a map of 120,000 strings.
type table struct {
	text       string
	cities     map[int]string
	zip5, zip7 []int
}

var (
	once    sync.Once
	loaded  *table
	errLoad error
)

func load() (*table, error) {
	once.Do(func() { loaded, errLoad = unpack(packed) })
	return loaded, errLoad
}

func unpack(b []byte) (*table, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("postcode: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("postcode: %w", err)
	}
	t := &table{text: string(raw), cities: make(map[int]string, 2000)}
	for off := 0; off < len(t.text); {
		end := strings.IndexByte(t.text[off:], '\n')
		if end < 0 {
			end = len(t.text) - off
		}
		line := t.text[off : off+end]
		switch {
		case strings.HasPrefix(line, "C\t"):
			code, name, ok := strings.Cut(line[2:], "\t")
			n, err := strconv.Atoi(code)
			if !ok || err != nil {
				return nil, fmt.Errorf("postcode: bad city line %q", line)
			}
			t.cities[n] = name
		case strings.HasPrefix(line, "5\t"):
			t.zip5 = append(t.zip5, off)
		case strings.HasPrefix(line, "7\t"):
			t.zip7 = append(t.zip7, off)
		}
		off += end + 1
	}
	return t, nil
}

// row returns the items of the line for key in offs, or nil.
func (t *table) row(offs []int, key string) []string {
	keyAt := func(i int) string {
		s := t.text[offs[i]+2:]
		return s[:len(key)]
	}
	i := sort.Search(len(offs), func(i int) bool { return keyAt(i) >= key })
	if i == len(offs) || keyAt(i) != key {
		return nil
	}
	line := t.text[offs[i]+2+len(key)+1:]
	if end := strings.IndexByte(line, '\n'); end >= 0 {
		line = line[:end]
	}
	return strings.Split(line, "|")
}

// Lookup returns the places a postal code stands for, in Japan Post's
// order. An unknown but well-formed code gives none and no error; a code
// that is not seven digits (full-width digits and hyphens are accepted)
// is an invalid postal_code.
func Lookup(code string) ([]Place, error) {
	norm, ok := shop.NormalizePostalCode(code)
	if !ok {
		field := shop.ReasonFormat
		if strings.TrimSpace(code) == "" {
			field = shop.ReasonRequired
		}
		return nil, &shop.Error{Code: shop.Invalid, Message: "invalid postal code",
			Fields: map[string]string{"postal_code": field}}
	}
	t, err := load()
	if err != nil {
		return nil, err
	}
	digits := norm[:3] + norm[4:]
	// A zip5 row holds what every code under it shares (its city, and its
	// town when that is shared too); the zip7 row the rest. A city code
	// ("#13101") applies to the names after it.
	var out []Place
	city := 0
	for _, items := range [][]string{t.row(t.zip5, digits[:5]), t.row(t.zip7, digits)} {
		for _, it := range items {
			if n, ok := strings.CutPrefix(it, "#"); ok {
				city, _ = strconv.Atoi(n)
				continue
			}
			name, ok := t.cities[city]
			if city == 0 || !ok {
				return nil, fmt.Errorf("postcode: %s names unknown city %d", norm, city)
			}
			out = append(out, Place{PostalCode: norm, Prefecture: city / 1000, City: name, Town: it})
		}
	}
	return out, nil
}

// Shared is what the places of one postal code have in common, which is
// what an address form can fill in: the prefecture and city when every
// place shares them (0 and "" when not), and the distinct towns in order.
type Shared struct {
	Prefecture int
	City       string
	Towns      []string
}

// Common returns what places share.
func Common(places []Place) Shared {
	var s Shared
	seen := map[string]bool{}
	for i, p := range places {
		if i == 0 {
			s.Prefecture, s.City = p.Prefecture, p.City
		}
		if p.Prefecture != s.Prefecture {
			s.Prefecture, s.City = 0, ""
		}
		if p.City != s.City {
			s.City = ""
		}
		if !seen[p.Town] {
			seen[p.Town] = true
			s.Towns = append(s.Towns, p.Town)
		}
	}
	return s
}
