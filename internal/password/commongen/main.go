// Command commongen writes internal/password's list of common passwords
// (common.txt.gz) from the npm package @zxcvbn-ts/language-common, whose
// src/passwords.json ranks leaked passwords by how often they occur. It
// runs only when the list is to be refreshed; the output is committed, so
// building Kaede needs neither npm nor the network:
//
//	cd /tmp && npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
//	go run ./internal/password/commongen -src /tmp/package/src/passwords.json -out internal/password/common.txt.gz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	src := flag.String("src", "", "the package's src/passwords.json")
	out := flag.String("out", "common.txt.gz", "the file to write")
	n := flag.Int("n", 10000, "how many of the most common passwords to keep")
	flag.Parse()
	if err := run(*src, *out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "commongen:", err)
		os.Exit(1)
	}
}

// run keeps the n most common passwords, lower-cased (the check ignores
// case) and without repeats, one a line, gzipped without a timestamp so
// that the same input gives the same bytes.
func run(src, out string, n int) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var ranked []string
	if err := json.Unmarshal(b, &ranked); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	seen := map[string]bool{}
	var list bytes.Buffer
	for _, p := range ranked {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || seen[p] || strings.ContainsAny(p, "\r\n") {
			continue
		}
		seen[p] = true
		list.WriteString(p + "\n")
		if len(seen) == n {
			break
		}
	}
	if len(seen) < n {
		return fmt.Errorf("%s holds only %d passwords, want %d", src, len(seen), n)
	}
	var z bytes.Buffer
	w, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := w.Write(list.Bytes()); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, z.Bytes(), 0o644)
}
